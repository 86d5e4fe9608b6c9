import { z } from "zod";
import { TargetId } from "./target";

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
