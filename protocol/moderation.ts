import { z } from "zod";
import { isWellFormed } from "./text";
import { CommentId, MAX_COMMENT_LENGTH } from "./comments";
import { DEFAULT_REACTIONS, Emoji } from "./reactions";
import { TargetId, UserId } from "./target";

export { Actor, ADMIN_ROLE, memberRole } from "./actor";

/** A week: longer is a members-only room. */
export const MAX_NEWCOMER_WAIT_MINUTES = 7 * 24 * 60;

/** An hour: edits are for typos, not for rewriting a thread's history. */
export const MAX_EDIT_WINDOW_MINUTES = 60;

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
