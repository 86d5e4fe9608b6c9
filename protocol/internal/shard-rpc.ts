import { z } from "zod";
import { SeriesBucket } from "./analytics-rpc";
import { TargetId, UserId } from "../target";
import { LikeOp, MAX_OPS_PER_RPC } from "./room-rpc";
import { RequestId } from "../operations";
import { MAX_EPOCHS, MAX_SHARDS, ShardLayout } from "../shards";

/*
 * What the Worker, the room and a target's shards say to each other (docs/shards.md). The
 * shard config and its admin bodies stay in shards.ts, which room-rpc.ts reads without this file.
 */

/** Which shard a call is for; the shard checks it against what it learnt on its first call. */
export const ShardAddress = z
  .strictObject({
    target: TargetId,
    epoch: z.number().int().min(1).max(MAX_EPOCHS),
    k: z.number().int().nonnegative(),
    /** The layout up to (at least) this epoch; the shard needs it to find older holders. */
    layout: ShardLayout,
  })
  .refine((a) => a.layout.length > a.epoch && a.k < (a.layout[a.epoch] ?? 0), "k must be below the epoch's shard count");
export type ShardAddress = z.infer<typeof ShardAddress>;

export const ShardApplyInput = z.strictObject({
  address: ShardAddress,
  ops: z.array(LikeOp).min(1).max(MAX_OPS_PER_RPC),
  requestId: RequestId.optional(),
  /** As ApplyLikesInput.unlimited: only for writes made for no user. */
  unlimited: z.boolean().optional(),
});
export type ShardApplyInput = z.infer<typeof ShardApplyInput>;

/** `before`: only what the user did up to that instant (protocol/deletion.ts ForgetUserInput). */
export const ShardUserInput = z.strictObject({ address: ShardAddress, userId: UserId, before: z.number().int().nonnegative().optional() });
export type ShardUserInput = z.infer<typeof ShardUserInput>;

/** The room as epoch 0's holder is asked with the target alone. */
export const RoomHandOverInput = z.strictObject({ target: TargetId, userId: UserId });
export type RoomHandOverInput = z.infer<typeof RoomHandOverInput>;

/** Many users at once: one room transaction for a whole batch of first-time likers. */
export const RoomHandOverManyInput = z.strictObject({ target: TargetId, userIds: z.array(UserId).min(1).max(MAX_OPS_PER_RPC) });
export type RoomHandOverManyInput = z.infer<typeof RoomHandOverManyInput>;

/** One remembered Idempotency-Key answer, moved with its user so a retried request still replays. */
export const HandedKey = z.object({
  key: z.string(),
  fingerprint: z.string(),
  response: z.string(),
  createdAt: z.number().int(),
});
export type HandedKey = z.infer<typeof HandedKey>;

/** A user's like state as its old holder hands it over (the same answer every time it is asked). */
export const HandedUser = z.object({
  liked: z.boolean(),
  likedAt: z.number().int().nullable(),
  keys: z.array(HandedKey),
});
export type HandedUser = z.infer<typeof HandedUser>;

/** A shard's count after one of its committed batches; `seq` orders reports of one shard. */
export const MAX_SERIES_PER_REPORT = 200;
export const ShardCountReport = z.strictObject({
  target: TargetId,
  epoch: z.number().int().min(1).max(MAX_EPOCHS),
  k: z.number().int().nonnegative().max(MAX_SHARDS - 1),
  count: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  /** The shard's analytics buckets changed since its last acknowledged report, as totals (docs/analytics.md). */
  series: z.array(SeriesBucket).max(MAX_SERIES_PER_REPORT).optional(),
});
export type ShardCountReport = z.infer<typeof ShardCountReport>;

/** What the room answers a report with: the target's total, which shards put in their answers. */
export interface TargetTotal {
  count: number;
  seq: number;
}

/**
 * A shard of a closed epoch (or one that handed the user on) is no longer the place to write:
 * the Worker re-reads the config from the room and tries the current shard.
 */
export type Moved = { moved: true };

/** A shard's part of a user's erasure (added to the room's ForgetUserResult). */
export interface ShardForgetResult {
  likesRemoved: number;
  outboxAnonymised: number;
  idempotencyKeysRemoved: number;
}
