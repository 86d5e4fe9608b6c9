import { z } from "zod";
import { isWellFormed, matchKey } from "./text";
import { CommentId, MAX_COMMENT_LENGTH } from "./comments";
import { DEFAULT_REACTIONS, Emoji } from "./reactions";
import { TargetId, UserId } from "./target";

export { Actor, ADMIN_ROLE, memberRole } from "./actor";

/** A week: longer is a members-only room. */
export const MAX_NEWCOMER_WAIT_MINUTES = 7 * 24 * 60;

/** An hour: edits are for typos, not for rewriting a thread's history. */
export const MAX_EDIT_WINDOW_MINUTES = 60;

/**
 * Two minutes: a delay is for catching a comment before viewers read it (Twitch's is at most
 * six seconds); longer is pre-moderation without the queue's work.
 */
export const MAX_PUBLISH_DELAY_SECONDS = 120;

/** More distinct reporters than this is a room that wants pre-moderation. */
export const MAX_HIDE_AFTER_REPORTS = 100;

export const CommentFilterMode = z.enum(["mask", "reject", "off"]);

export const RoomSettings = z.object({
  commentsEnabled: z.boolean(),
  slowModeSeconds: z.number().int().min(0).max(120),
  membersOnly: z.boolean(),
  maxCommentLength: z.number().int().min(1).max(MAX_COMMENT_LENGTH),
  filter: CommentFilterMode,
  /** The reactions this room accepts. */
  reactions: z.array(Emoji).min(1).max(32),
  /** Chat modes (docs/moderation.md); moderators are exempt from each. */
  emoteOnly: z.boolean(),
  /** No one may post what anyone posted in the last 30 s. */
  uniqueChat: z.boolean(),
  /** Minutes from a user's first like, reaction or comment here before they may comment; 0 is off. */
  newcomerWaitMinutes: z.number().int().min(0).max(MAX_NEWCOMER_WAIT_MINUTES),
  /** Minutes after posting during which the author may edit a comment; 0 turns edits off. */
  editWindowMinutes: z.number().int().min(0).max(MAX_EDIT_WINDOW_MINUTES),
  // What holds a comment for review besides suspect terms (docs/moderation.md "Held comments"); moderators never are.
  /** Every comment waits for a moderator's approval. */
  premoderation: z.boolean(),
  /** A comment with a link is held while its author's first write here is under this many minutes old; 0 is off. */
  newcomerLinkMinutes: z.number().int().min(0).max(MAX_NEWCOMER_WAIT_MINUTES),
  /** Reports from this many distinct users hide a comment until a moderator decides; 0 is off. */
  hideAfterReports: z.number().int().min(0).max(MAX_HIDE_AFTER_REPORTS),
  /** A non-moderator's comment waits this many seconds (moderators see it and may deny it) before anyone else does; 0 is off. */
  publishDelaySeconds: z.number().int().min(0).max(MAX_PUBLISH_DELAY_SECONDS),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

export const DEFAULT_ROOM_SETTINGS: RoomSettings = {
  commentsEnabled: true,
  slowModeSeconds: 0,
  membersOnly: false,
  maxCommentLength: MAX_COMMENT_LENGTH,
  filter: "mask",
  reactions: [...DEFAULT_REACTIONS],
  emoteOnly: false,
  uniqueChat: false,
  newcomerWaitMinutes: 0,
  editWindowMinutes: 15,
  premoderation: false,
  newcomerLinkMinutes: 0,
  hideAfterReports: 0,
  publishDelaySeconds: 0,
};

export const SettingsPatch = z
  .strictObject(RoomSettings.shape)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "settings patch is empty")
  .meta({ minProperties: 1 });
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/**
 * Free text a room stores (titles, reasons): a lone UTF-16 surrogate would come back as U+FFFD,
 * so it is refused rather than silently changed.
 */
const StoredText = (min: number, max: number) => z.string().trim().min(min).max(max).refine(isWellFormed, "text has a lone UTF-16 surrogate");

export const RegisterTargetBody = z.strictObject({ title: StoredText(1, 200) });

export const TargetInfo = z.object({
  target: TargetId,
  owner: UserId.nullable(),
  title: z.string().nullable(),
  settings: RoomSettings,
  moderators: z.array(UserId),
  pinned: CommentId.nullable(),
});
export type TargetInfo = z.infer<typeof TargetInfo>;

export const ModeratorBody = z.strictObject({ userId: UserId });
export const MemberBody = z.strictObject({ userId: UserId });

export const BanBody = z.strictObject({
  userId: UserId,
  /** Omitted: a ban until lifted; otherwise a timeout that expires by itself. */
  durationSeconds: z.number().int().min(1).max(365 * 24 * 3600).optional(),
  reason: StoredText(0, 300).optional(),
});
export type BanBody = z.infer<typeof BanBody>;

export const Ban = z.object({
  userId: UserId,
  until: z.string().nullable(),
  reason: z.string().nullable(),
  by: UserId,
  createdAt: z.string(),
});
export type Ban = z.infer<typeof Ban>;

export const PinBody = z.strictObject({ commentId: CommentId });
export const HighlightBody = z.strictObject({ highlighted: z.boolean() });

export const ReportBody = z.strictObject({ reason: StoredText(1, 300) });

export const Report = z.object({
  id: z.string(),
  commentId: CommentId,
  reporter: UserId,
  reason: z.string(),
  createdAt: z.string(),
});
export type Report = z.infer<typeof Report>;

// The moderation routes' own bodies and answers (workers/routes/moderation/); the RPC
// contracts behind them are internal (protocol/internal/moderation-rpc.ts).

/** The most users a members list holds; larger audiences use the `member:<target>` token role. */
export const MAX_MEMBERS = 1_000;

export const MembersBody = z.strictObject({ userIds: z.array(UserId).max(MAX_MEMBERS) });

/** Report ids sort by time, so the id of the last report on a page is the cursor. */
export const ReportId = z.string().regex(/^[0-9a-z]{9}[0-9a-f]{12}$/, "not a report id");

export const ReportsQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const ModeratorsResponse = z.object({ moderators: z.array(UserId) });
export const BansResponse = z.object({ bans: z.array(Ban) });
export const LiftBanResponse = z.object({ userId: UserId, lifted: z.boolean() });
export const MembersResponse = z.object({ members: z.array(UserId) });
export const MemberChangeResponse = z.object({ userId: UserId, member: z.boolean(), changed: z.boolean() });
export type MemberChange = z.infer<typeof MemberChangeResponse>;
export const ReportsResponse = z.object({ reports: z.array(Report), nextCursor: z.string().nullable() });

/** The most reasons a report group shows: the newest distinct ones. */
export const MAX_GROUP_REASONS = 10;

/** A comment's open reports, for triage: how many, why, since when. */
export const ReportGroup = z.object({
  commentId: CommentId,
  count: z.number().int().min(1),
  reasons: z.array(z.string()).max(MAX_GROUP_REASONS),
  firstAt: z.string(),
  lastAt: z.string(),
});
export type ReportGroup = z.infer<typeof ReportGroup>;

/** `dismiss` closes a comment's reports; `remove` also deletes the comment. */
export const ResolveReportsBody = z.strictObject({ action: z.enum(["dismiss", "remove"]), reason: StoredText(0, 300).optional() });
export type ResolveReportsBody = z.infer<typeof ResolveReportsBody>;

export const ResolveReportsResult = z.object({
  commentId: CommentId,
  action: ResolveReportsBody.shape.action,
  /** How many reports were closed. */
  resolved: z.number().int().min(1),
  /** True when this call deleted the comment (false for dismiss, or a comment already gone). */
  removed: z.boolean(),
});
export type ResolveReportsResult = z.infer<typeof ResolveReportsResult>;

/**
 * Bounds of a room's word lists (docs/moderation.md "Terms"). At most 50 entries per list of
 * at most 32 characters (code points) each: both lists full of 4-byte characters are about
 * 13 KB of JSON, inside the 16 KiB body limit (workers/body-limits.ts), and the compiled
 * matcher stays small enough that every comment pays only a linear scan.
 */
export const TERMS_LIMITS = { entriesPerList: 50, charactersPerEntry: 32 } as const;

/** One entry: `*` is a wildcard; it must keep something to match once normalised. */
export const Term = z
  .string()
  .trim()
  .min(1)
  .refine(isWellFormed, "text has a lone UTF-16 surrogate")
  .refine((term) => [...term].length <= TERMS_LIMITS.charactersPerEntry, `a term is at most ${TERMS_LIMITS.charactersPerEntry} characters`)
  .refine((term) => /[^*\s]/u.test(matchKey(term).key), "a term needs a character other than `*` and spaces that survives normalisation")
  .meta({ maxLength: TERMS_LIMITS.charactersPerEntry });

const TermList = z.array(Term).max(TERMS_LIMITS.entriesPerList);

/** `blocked` refuses or masks a comment (the room's `filter` setting); `suspect` is matched and kept for the review queue. */
export const TermsBody = z.strictObject({ blocked: TermList, suspect: TermList });
export type TermsBody = z.infer<typeof TermsBody>;

/** What a mod log entry records (docs/moderation.md "Mod log"). */
export const ModLogAction = z.enum([
  "comment_delete",
  "pin",
  "unpin",
  "highlight",
  "unhighlight",
  "ban",
  "timeout",
  "unban",
  "settings",
  "terms",
  "moderator_add",
  "moderator_remove",
  "report_dismiss",
  "report_remove",
  "approve",
  "deny",
  "restrict",
  "unrestrict",
]);
export type ModLogAction = z.infer<typeof ModLogAction>;

/** Who did what to whom and when; never the text of a removed comment. */
export const ModLogEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  moderator: UserId,
  action: ModLogAction,
  /** The user acted upon (the banned user, the comment's author, the moderator added). */
  userId: UserId.nullable(),
  commentId: CommentId.nullable(),
  reason: z.string().nullable(),
  /** A short note: the settings changed, the list sizes, a timeout's length. */
  detail: z.string().nullable(),
});
export type ModLogEntry = z.infer<typeof ModLogEntry>;

/** What `GET .../bans` answers: BansResponse (which the embed's mirror reads) plus the next page's cursor. */
export const BansPageResponse = BansResponse.extend({ nextCursor: z.string().nullable() });
export const BansQuery = z.strictObject({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});
/**
 * Restrict a user (shadow-hide, docs/moderation.md "Restrictions"): their new comments reach
 * only themselves and the moderators. `reason` is kept in the mod log and the list.
 */
export const RestrictBody = z.strictObject({ userId: UserId, reason: StoredText(1, 300).optional() });
export type RestrictBody = z.infer<typeof RestrictBody>;
export const Restriction = z.object({ userId: UserId, reason: z.string().nullable(), by: UserId, createdAt: z.string() });
export type Restriction = z.infer<typeof Restriction>;
export const RestrictionsQuery = z.strictObject({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});
export const RestrictionsResponse = z.object({ restrictions: z.array(Restriction), nextCursor: z.string().nullable() });
export const LiftRestrictionResponse = z.object({ userId: UserId, lifted: z.boolean() });

export const ModLogQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const ModLogResponse = z.object({ entries: z.array(ModLogEntry), nextCursor: z.string().nullable() });
export const ReportGroupsResponse = z.object({ groups: z.array(ReportGroup), nextCursor: z.string().nullable() });
