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
};

export const LikeEvent = z.object({ ...EventBase, type: z.literal("like") });
export const UnlikeEvent = z.object({ ...EventBase, type: z.literal("unlike") });

/**
 * One engagement change as it leaves a Durable Object's outbox. Reactions and comments add
 * their variants here (e.g. `reaction_add` with an emoji, `comment_create` with a comment
 * id) and map them to a metric in protocol/analytics.ts; the consumer, the D1 `events`
 * table and the rollups need no change for a new type.
 */
export const EngagementEvent = z.discriminatedUnion("type", [LikeEvent, UnlikeEvent]);
export type EngagementEvent = z.infer<typeof EngagementEvent>;
export type EngagementEventType = EngagementEvent["type"];

const BASE_KEYS = new Set(["eventId", "type", "target", "userId", "at", "seq"]);

/** The type-specific fields of an event (none for likes), stored as JSON in `events.detail`. */
export function eventDetail(event: EngagementEvent): string | null {
  const extra = Object.entries(event).filter(([key]) => !BASE_KEYS.has(key));
  return extra.length === 0 ? null : JSON.stringify(Object.fromEntries(extra));
}
