import { z } from "zod";
import { EngagementEvent } from "./events";
import { UserId } from "./target";

/**
 * What the events consumer hands one user's object (durable-objects/users/user-state.ts): that
 * user's events from one queue batch, in any order and possibly redelivered. Queues deliver at
 * least once and unordered, so the object decides by each event's version what is newer.
 */
export const UserEventsInput = z.strictObject({
  userId: UserId,
  events: z.array(EngagementEvent).min(1).max(1_000),
});
export type UserEventsInput = z.infer<typeof UserEventsInput>;

export const UserEventsResult = z.strictObject({
  /**
   * The user's pseudonym in the event lake: a keyed hash of the user id under a key only the
   * user's object holds. Deleting the object destroys the key, so nobody can link the lake's
   * rows to the id again (a hash under a shared secret could be recomputed).
   */
  pseudonym: z.string().min(1),
  /**
   * Ids of events that predate the user's deletion: the object did not keep them. The consumer
   * writes them to the lake without a user and sends them back to their rooms to be forgotten.
   */
  forgotten: z.array(z.string()),
});
export type UserEventsResult = z.infer<typeof UserEventsResult>;
