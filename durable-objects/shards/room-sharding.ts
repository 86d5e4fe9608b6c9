import { z } from "zod";
import type { OpOutcome } from "../../protocol/internal/room-rpc";
import type { ShardConfig, ShardLayout } from "../../protocol/shards";
import type { ShardForgetResult } from "../../protocol/internal/shard-rpc";
import type { AppEnv } from "../../platform/env";
import { addressOf, shardStub } from "../../platform/like-router";

/** What a sharded room answers each like op with: the Worker then writes to the shards. */
export function movedOutcomes(ops: number, config: ShardConfig): OpOutcome[] {
  return Array.from({ length: ops }, () => ({
    ok: false as const,
    error: { code: "moved" as const, message: "this target is sharded: likes go to its shards", shards: config },
  }));
}

/**
 * Tells every shard of a past epoch that writes now belong to a newer one, so a Worker with
 * an old config is answered "moved" and reads the config again. Throws if any shard could not
 * be told; the room retries from its alarm (closing is idempotent).
 */
export async function closeEpochShards(env: AppEnv, target: string, epoch: number, n: number, layout: ShardLayout): Promise<void> {
  const prefix = layout.slice(0, epoch + 1);
  await Promise.all(
    Array.from({ length: n }, (_, k) => shardStub(env, target, epoch, k).closeEpoch({ target, epoch, k, layout: prefix })),
  );
}

const Threshold = z.coerce.number().int().min(1);

/**
 * `HOT_TARGET_LIKES_PER_SECOND` turns automatic sharding on (off when unset): a room over that
 * rate for 2 s shards itself. Off by default so a benchmark of one room stays one room.
 */
export function hotThresholdFrom(env: Pick<AppEnv, "HOT_TARGET_LIKES_PER_SECOND">): number | null {
  const value = env.HOT_TARGET_LIKES_PER_SECOND;
  if (value === undefined || value.trim() === "") return null;
  const parsed = Threshold.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * A user's erasure on a sharded target: their like lives in their shard of the current epoch
 * (or is taken there first). `config` is read again if that epoch closed meanwhile.
 */
export async function forgetInShards(
  env: AppEnv,
  target: string,
  config: () => ShardConfig,
  userId: string,
  before?: number,
): Promise<ShardForgetResult> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const address = addressOf(target, config(), userId);
    const answer = await shardStub(env, target, address.epoch, address.k).forgetUser({ address, userId, ...(before === undefined ? {} : { before }) });
    if (!("moved" in answer)) return answer;
  }
  throw new Error(`erasure of a user on ${target} kept moving`);
}
