import { z } from "zod";
import { SeriesBucket } from "./analytics-rpc";
import { TargetId, UserId } from "./target";
import { LikeOp, MAX_OPS_PER_RPC } from "./room-rpc";
import { RequestId } from "./operations";

/** Above this many shards a target gains little: the room still takes one report per shard batch. */
export const MAX_SHARDS = 64;
/**
 * A user who never acted is looked up through every older epoch (lazy handoff), so the
 * number of epochs bounds that chain; an admin cannot change N more often than this.
 */
export const MAX_EPOCHS = 32;

/**
 * How a target's likes are spread. `layout[e]` is the shard count of epoch e; epoch 0 is the
 * unsharded room itself (`layout[0] === 0`). The last epoch is the current one. Past entries
 * never change, so an older copy of the layout is a prefix of the newer one.
 */
export const ShardLayout = z.array(z.number().int().min(0).max(MAX_SHARDS)).min(1).max(MAX_EPOCHS + 1);
export type ShardLayout = z.infer<typeof ShardLayout>;

export interface ShardConfig {
  epoch: number;
  /** 0: not sharded, the room holds every like. */
  n: number;
  layout: ShardLayout;
}

export function configOf(layout: ShardLayout): ShardConfig {
  const epoch = layout.length - 1;
  return { epoch, n: layout[epoch] ?? 0, layout };
}

export const UNSHARDED: ShardConfig = configOf([0]);

export const SetShardsRequest = z.strictObject({ n: z.number().int().min(1).max(MAX_SHARDS) });
export type SetShardsRequest = z.infer<typeof SetShardsRequest>;

export const SetShardsInput = z.strictObject({ target: TargetId, n: z.number().int().min(1).max(MAX_SHARDS) });
export type SetShardsInput = z.infer<typeof SetShardsInput>;

export const ShardConfigResponse = z.object({
  target: TargetId,
  epoch: z.number().int().nonnegative(),
  n: z.number().int().nonnegative(),
  layout: ShardLayout,
});
export type ShardConfigResponse = z.infer<typeof ShardConfigResponse>;

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

/**
 * FNV-1a (32 bit) over the UTF-8 bytes: stable across isolates, runtimes and deploys, which
 * is all the shard choice needs (it is not a defence against chosen user ids).
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardIndex(userId: string, n: number): number {
  return fnv1a(userId) % n;
}

/** The Durable Object name of shard k of a target's epoch. */
export function shardName(target: string, epoch: number, k: number): string {
  return `${target}#${epoch}#${k}`;
}

/** A shard's part of a user's erasure (added to the room's ForgetUserResult). */
export interface ShardForgetResult {
  likesRemoved: number;
  outboxAnonymised: number;
  idempotencyKeysRemoved: number;
}
