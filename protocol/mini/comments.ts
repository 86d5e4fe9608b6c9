import * as z from "zod/mini";
import { Comment, CommentId, HeldComment, RoomSettings, TargetId } from "./comment";

/**
 * The REST answers <engage-comments> reads (protocol/comments.ts, moderation.ts), in zod/mini: its own build, loaded only on pages that show comments.
 * test/workerd/mini-mirrors.test.ts proves each agrees with the server's schema.
 */
const UserId = z.string().check(z.minLength(1), z.maxLength(128));

export const CommentsPage = z.object({ items: z.array(Comment), nextCursor: z.nullable(z.string()) });
export const TargetInfo = z.object({
  target: TargetId,
  owner: z.nullable(UserId),
  title: z.nullable(z.string()),
  settings: RoomSettings,
  moderators: z.array(UserId),
  pinned: z.nullable(CommentId),
});
export const Ban = z.object({ userId: UserId, until: z.nullable(z.string()), reason: z.nullable(z.string()), by: UserId, createdAt: z.string() });
export const BansResponse = z.object({ bans: z.array(Ban) });
/** `PATCH .../comments/:id`: the edited comment (200), or the edit held for review (202). */
export const EditAnswer = z.union([Comment, HeldComment]);
export const DeletedComment = z.object({ id: CommentId, deleted: z.literal(true) });
export const LiftBanResponse = z.object({ userId: UserId, lifted: z.boolean() });
export const PinResponse = z.object({ pinned: z.nullable(Comment) });

export { Comment, RoomSettings };
export type Comment = z.infer<typeof Comment>;
export type RoomSettings = z.infer<typeof RoomSettings>;
export type TargetInfo = z.infer<typeof TargetInfo>;
export type Ban = z.infer<typeof Ban>;
