import { z } from "zod";
import { TargetId, UserId } from "./target";

/**
 * Fields every engagement event carries. `eventId` is assigned once, when the change is
 * committed, so every redelivery carries the same id and the consumer can store it exactly
 * once. `userId` is null when the event records the erasure of a user who asked to be
 * forgotten: the count changed, but the event must not say whose like it was.
 */
const EventBase = {
  eventId: z.string().min(1).max(128),
  target: TargetId,
  userId: UserId.nullable(),
  at: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  /**
   * Whose sequence `seq` belongs to: absent or 0 for the target's room, `e` for a like shard of
   * epoch `e` (docs/shards.md). A user moves only to later epochs, so (epoch, seq) orders one
   * user's changes on one target, which is what the user's index versions entries by.
   */
  epoch: z.number().int().nonnegative().optional(),
};

export const LikeEvent = z.object({ ...EventBase, type: z.literal("like") });
export const UnlikeEvent = z.object({ ...EventBase, type: z.literal("unlike") });
/** `subject` is null for a reaction on the target itself, or the comment id it was on. */
export const ReactionAddEvent = z.object({ ...EventBase, type: z.literal("reaction_add"), emoji: z.string().max(32), subject: z.string().max(64).nullable() });
export const ReactionRemoveEvent = z.object({ ...EventBase, type: z.literal("reaction_remove"), emoji: z.string().max(32), subject: z.string().max(64).nullable() });
export const CommentCreateEvent = z.object({ ...EventBase, type: z.literal("comment_create"), commentId: z.string().max(64), replyTo: z.string().max(64).nullable() });
/** `by` says who removed it: the author, a moderator, or the author's erasure. */
export const CommentDeleteEvent = z.object({ ...EventBase, type: z.literal("comment_delete"), commentId: z.string().max(64), by: z.enum(["author", "moderator", "erasure"]) });
/** The author replaced a comment's text (the text stays in the room; docs/comments.md#edits). */
export const CommentEditEvent = z.object({ ...EventBase, type: z.literal("comment_edit"), commentId: z.string().max(64) });
/** A moderator's action; never names the user it was taken against (that stays in the room). */
export const ModerationEvent = z.object({ ...EventBase, type: z.literal("moderation"), action: z.string().max(32) });

/**
 * One engagement change as it leaves a Durable Object's outbox. A new type is a new member
 * here and a metric mapping in protocol/analytics.ts; the consumer, the D1 `events` table
 * and the rollups need no change for it.
 */
export const EngagementEvent = z.discriminatedUnion("type", [
  LikeEvent,
  UnlikeEvent,
  ReactionAddEvent,
  ReactionRemoveEvent,
  CommentCreateEvent,
  CommentDeleteEvent,
  CommentEditEvent,
  ModerationEvent,
]);
export type EngagementEvent = z.infer<typeof EngagementEvent>;
export type EngagementEventType = EngagementEvent["type"];

const BASE_KEYS = new Set(["eventId", "type", "target", "userId", "at", "seq", "epoch"]);

/** The type-specific fields of an event (none for likes), stored as JSON in `events.detail`. */
export function eventDetail(event: EngagementEvent): string | null {
  const extra = Object.entries(event).filter(([key]) => !BASE_KEYS.has(key));
  return extra.length === 0 ? null : JSON.stringify(Object.fromEntries(extra));
}
