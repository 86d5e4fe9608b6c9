import { z } from "zod";
import { TargetId, UserId } from "./target";
import { LikeResult } from "./likes";

/** The longest Idempotency-Key we keep; longer keys are refused at the edge. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** One write that a Worker asks a TargetRoom to apply; many travel in one RPC. */
export const LikeOp = z.strictObject({
  userId: UserId,
  action: z.enum(["like", "unlike", "toggle"]),
  idempotencyKey: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional(),
});
export type LikeOp = z.infer<typeof LikeOp>;

export const MAX_OPS_PER_RPC = 1_000;

export const ApplyLikesInput = z.strictObject({
  target: TargetId,
  ops: z.array(LikeOp).min(1).max(MAX_OPS_PER_RPC),
});
export type ApplyLikesInput = z.infer<typeof ApplyLikesInput>;

export type OpOutcome =
  | { ok: true; result: LikeResult }
  | { ok: false; error: { code: "idempotency_conflict" | "invalid_request"; message: string } };

export interface RoomSnapshot {
  target: string;
  likes: number;
  seq: number;
}

export interface LikeStatus {
  liked: boolean;
  likedAt: number | null;
}
