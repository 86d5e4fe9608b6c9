import { z } from "zod";
import { CommentId } from "../comments";
import { Actor } from "../moderation";
import { RequestId } from "../operations";
import { Emoji } from "../reactions";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "./room-rpc";
import { TargetId, UserId } from "../target";

/*
 * RPC inputs of TargetRoom's reaction methods. Kept apart from protocol/reactions.ts because
 * moderation.ts (Actor) imports reactions.ts (the default set), and a cycle between zod
 * modules leaves one side's schemas undefined at load time.
 */

/** TargetRoom.react: one reaction change by a verified user. */
export const ReactInput = z.strictObject({
  target: TargetId,
  actor: Actor,
  emoji: Emoji,
  action: z.enum(["add", "remove"]),
  /** A comment of this room; absent for the room's own target. */
  commentId: CommentId.optional(),
  idempotencyKey: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional(),
  /** The HTTP request's id, so the room's outbox lines name it. */
  requestId: RequestId.optional(),
});
export type ReactInput = z.infer<typeof ReactInput>;

const COMMENT_PREFIX = "comment:";

/** The comment target of one of our comments: `comment:<CommentId>`. */
export const CommentTarget = TargetId.refine(
  (target) => target.startsWith(COMMENT_PREFIX) && CommentId.safeParse(target.slice(COMMENT_PREFIX.length)).success,
  "not the target of a comment made here",
);

/** The part after `comment:`, or null for any other kind of target. */
export function commentIdOfTarget(target: string): string | null {
  return target.startsWith(COMMENT_PREFIX) ? target.slice(COMMENT_PREFIX.length) : null;
}

export function commentTargetOf(commentId: string): string {
  return `${COMMENT_PREFIX}${commentId}`;
}

/** TargetRoom.bindParent: tells a comment's own room which target the comment lives in. */
export const BindParentInput = z
  .strictObject({ target: CommentTarget, parent: TargetId })
  .refine((input) => input.target !== input.parent, "a comment cannot be its own parent");
export type BindParentInput = z.infer<typeof BindParentInput>;

/** Position in a newest-first listing: the (reactedAt, userId) of the last row seen. */
export const ReactionUsersAfter = z.strictObject({ reactedAt: z.number().int().nonnegative(), userId: UserId });
export type ReactionUsersAfter = z.infer<typeof ReactionUsersAfter>;

/** TargetRoom.reactionUsers: who reacted with one emoji, newest first. */
export const ReactionUsersInput = z.strictObject({
  target: TargetId,
  emoji: Emoji,
  commentId: CommentId.optional(),
  after: ReactionUsersAfter.nullable(),
  limit: z.number().int().min(1).max(100),
});
export type ReactionUsersInput = z.infer<typeof ReactionUsersInput>;

export interface ReactionUsersSlice {
  items: { userId: string; reactedAt: number }[];
  /** Pass as `after` for the next page; null on the last one. */
  next: ReactionUsersAfter | null;
}

/** TargetRoom.reactionCounts: counts by emoji of the target itself or of one of its comments. */
export const ReactionCountsInput = z.strictObject({
  target: TargetId,
  commentId: CommentId.optional(),
});
export type ReactionCountsInput = z.infer<typeof ReactionCountsInput>;
