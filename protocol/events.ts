import { z } from "zod";
import { TargetId, UserId } from "./target";

/**
 * One engagement change as it leaves a Durable Object's outbox. `eventId` is assigned
 * once, when the change is committed, so every redelivery carries the same id and the
 * consumer can store it exactly once.
 */
export const EngagementEvent = z.object({
  eventId: z.string().min(1).max(128),
  type: z.enum(["like", "unlike"]),
  target: TargetId,
  userId: UserId,
  at: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
});
export type EngagementEvent = z.infer<typeof EngagementEvent>;
