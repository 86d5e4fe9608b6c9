import { z } from "zod";
import { isWellFormed } from "./text";
import { CommentId, MAX_COMMENT_LENGTH } from "./comments";
import { DEFAULT_REACTIONS, Emoji } from "./reactions";
import { TargetId, UserId } from "./target";

export { Actor, ADMIN_ROLE, memberRole } from "./actor";

export const CommentFilterMode = z.enum(["mask", "reject", "off"]);

export const RoomSettings = z.object({
  commentsEnabled: z.boolean(),
  slowModeSeconds: z.number().int().min(0).max(120),
  membersOnly: z.boolean(),
  maxCommentLength: z.number().int().min(1).max(MAX_COMMENT_LENGTH),
  filter: CommentFilterMode,
  /** The reactions this room accepts. */
  reactions: z.array(Emoji).min(1).max(32),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

export const DEFAULT_ROOM_SETTINGS: RoomSettings = {
  commentsEnabled: true,
  slowModeSeconds: 0,
  membersOnly: false,
  maxCommentLength: MAX_COMMENT_LENGTH,
  filter: "mask",
  reactions: [...DEFAULT_REACTIONS],
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
