import { z } from "zod";
import { TargetId, UserId } from "./target";

/**
 * RPC input of TargetRoom.forgetUser. `before` (ms): forget only what the user did up to that
 * instant, for events that reached their user's object after the user's deletion
 * (workers/forgotten-bounce.ts): a user who came back keeps what they did since.
 */
export const ForgetUserInput = z.strictObject({ target: TargetId, userId: UserId, before: z.number().int().nonnegative().optional() });
export type ForgetUserInput = z.infer<typeof ForgetUserInput>;

export interface ForgetUserResult {
  target: string;
  likesRemoved: number;
  /** Reactions on the target and on any of its comments. */
  reactionsRemoved: number;
  /** The user's comments turned into anonymous tombstones. */
  commentsErased: number;
  outboxAnonymised: number;
  idempotencyKeysRemoved: number;
  count: number;
  seq: number;
}

export const DeletionStatus = z.enum(["pending", "completed"]);
export type DeletionStatus = z.infer<typeof DeletionStatus>;

/** Body of a `user-deletions` queue message: "continue this receipt". */
export const DeletionStep = z.strictObject({ receiptId: z.string().uuid() });
export type DeletionStep = z.infer<typeof DeletionStep>;

export const DeletionReceiptResponse = z.object({
  receiptId: z.string(),
  status: DeletionStatus,
  targetsTotal: z.number().int().nonnegative(),
  targetsDone: z.number().int().nonnegative(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});
export type DeletionReceiptResponse = z.infer<typeof DeletionReceiptResponse>;
