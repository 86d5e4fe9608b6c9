import type { LikeOp, LikeStatus, OpOutcome } from "../protocol/internal/room-rpc";
import { shardIndex, shardName, type ShardConfig } from "../protocol/shards";
import { type ShardAddress } from "../protocol/internal/shard-rpc";
import type { AppEnv } from "./env";
import { roomFor } from "./rooms";

/**
 * How long an isolate trusts a target's shard config without asking the room. Correctness
 * does not depend on it: a room or a shard that is no longer the place to write answers
 * "moved", and the caller reads the config again.
 */
export const SHARD_CONFIG_TTL_MS = 2_000;
/** Each "moved" answer means the config changed under us; a few in a row is a fault. */
const MAX_ROUTING_ATTEMPTS = 5;
/** Bounds the cache in an isolate that sees many sharded targets. */
const MAX_CACHED_CONFIGS = 1_000;

const cached = new Map<string, { config: ShardConfig; until: number }>();

export function shardStub(env: AppEnv, target: string, epoch: number, k: number) {
  return env.LIKE_SHARD.get(env.LIKE_SHARD.idFromName(shardName(target, epoch, k)));
}

export function addressOf(target: string, config: ShardConfig, userId: string): ShardAddress {
  return { target, epoch: config.epoch, k: shardIndex(userId, config.n), layout: config.layout };
}

/** Only sharded configs are cached: an unsharded target's likes go to its room, as always. */
function remember(target: string, config: ShardConfig): void {
  if (cached.size >= MAX_CACHED_CONFIGS) cached.clear();
  cached.set(target, { config, until: Date.now() + SHARD_CONFIG_TTL_MS });
}

function cachedConfig(target: string): ShardConfig | null {
  const entry = cached.get(target);
  if (entry === undefined || entry.until < Date.now()) return null;
  return entry.config;
}

async function freshConfig(env: AppEnv, target: string): Promise<ShardConfig> {
  const config = await roomFor(env, target).shardConfig(target);
  if (config.n > 0) remember(target, config);
  else cached.delete(target);
  return config;
}

/**
 * Applies likes wherever the target keeps them: its room, or (sharded) each user's shard in
 * the current epoch. Answers one outcome per op, in order, like `TargetRoom.applyLikes`, and
 * never "moved": that answer makes it read the config again and retry those ops.
 * `known` lets a caller that already holds the config (the room itself) skip the cache;
 * `unlimited` (writes made for no user: the bench's synthetic likers) skips the per-user
 * limits in the room and the shards alike, so a sharded run is timed like an unsharded one.
 */
export async function applyLikesRouted(
  env: AppEnv,
  target: string,
  ops: readonly LikeOp[],
  requestId?: string,
  known?: ShardConfig,
  unlimited = false,
): Promise<OpOutcome[]> {
  const outcomes: (OpOutcome | undefined)[] = new Array(ops.length);
  let pending = ops.map((_, index) => index);
  let config: ShardConfig | null = known ?? cachedConfig(target);
  for (let attempt = 0; attempt < MAX_ROUTING_ATTEMPTS && pending.length > 0; attempt++) {
    const moved = config === null || config.n === 0
      ? await applyInRoom(env, target, ops, pending, outcomes, requestId, unlimited)
      : await applyInShards(env, target, config, ops, pending, outcomes, requestId, unlimited);
    if (moved.config !== null) remember(target, moved.config);
    pending = moved.indices;
    config = pending.length === 0 ? config : (moved.config ?? (await freshConfig(env, target)));
  }
  if (pending.length > 0) throw new Error(`likes for ${target} kept moving after ${MAX_ROUTING_ATTEMPTS} attempts`);
  return outcomes.map((outcome) => {
    if (outcome === undefined) throw new Error("an op got no outcome");
    return outcome;
  });
}

interface MovedOps {
  indices: number[];
  /** The config a room sent back with its "moved" answer, when it did. */
  config: ShardConfig | null;
}

async function applyInRoom(
  env: AppEnv,
  target: string,
  ops: readonly LikeOp[],
  indices: number[],
  outcomes: (OpOutcome | undefined)[],
  requestId: string | undefined,
  unlimited: boolean,
): Promise<MovedOps> {
  const answered = await roomFor(env, target).applyLikes({ target, ops: indices.map((i) => ops[i]!), requestId, ...(unlimited ? { unlimited } : {}) });
  const moved: MovedOps = { indices: [], config: null };
  answered.forEach((outcome, position) => {
    const index = indices[position]!;
    if (!outcome.ok && outcome.error.code === "moved") {
      moved.indices.push(index);
      moved.config = outcome.error.shards;
    } else {
      outcomes[index] = outcome;
    }
  });
  return moved;
}

async function applyInShards(
  env: AppEnv,
  target: string,
  config: ShardConfig,
  ops: readonly LikeOp[],
  indices: number[],
  outcomes: (OpOutcome | undefined)[],
  requestId: string | undefined,
  unlimited: boolean,
): Promise<MovedOps> {
  // One RPC per shard; a user's ops all go to one shard, so their order is kept.
  const groups = new Map<number, number[]>();
  for (const index of indices) {
    const k = shardIndex(ops[index]!.userId, config.n);
    const group = groups.get(k);
    if (group) group.push(index);
    else groups.set(k, [index]);
  }
  const moved: MovedOps = { indices: [], config: null };
  await Promise.all(
    [...groups].map(async ([k, group]) => {
      const answer = await shardStub(env, target, config.epoch, k).applyLikes({
        address: { target, epoch: config.epoch, k, layout: config.layout },
        ops: group.map((i) => ops[i]!),
        ...(requestId === undefined ? {} : { requestId }),
        ...(unlimited ? { unlimited } : {}),
      });
      if (answer.moved) {
        moved.indices.push(...group);
        return;
      }
      answer.outcomes.forEach((outcome, position) => {
        outcomes[group[position]!] = outcome;
      });
    }),
  );
  moved.indices.sort((a, b) => a - b);
  return moved;
}

/**
 * A user's like state, strongly consistent: from the room, or from the user's shard in the
 * current epoch (which first takes the user over from older epochs if it must).
 */
export async function likeStatusRouted(env: AppEnv, target: string, userId: string): Promise<LikeStatus> {
  let config: ShardConfig | null = cachedConfig(target);
  for (let attempt = 0; attempt < MAX_ROUTING_ATTEMPTS; attempt++) {
    if (config === null || config.n === 0) {
      const status = await roomFor(env, target).likeStatus(target, userId);
      if (status.shards === undefined) return status;
      config = status.shards;
      remember(target, config);
      continue;
    }
    const address = addressOf(target, config, userId);
    const answer = await shardStub(env, target, address.epoch, address.k).likeStatus({ address, userId });
    if (!("moved" in answer)) return answer;
    config = await freshConfig(env, target);
  }
  throw new Error(`like status for ${target} kept moving after ${MAX_ROUTING_ATTEMPTS} attempts`);
}

/** After an admin changed N through this isolate, its next likes go straight to the new epoch. */
export function rememberShardConfig(target: string, config: ShardConfig): void {
  if (config.n > 0) remember(target, config);
}
