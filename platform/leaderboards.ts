import type { AppEnv } from "./env";
import { LEADERBOARD_PARTITIONS, leaderboardName } from "../protocol/internal/analytics-rpc";
import { fnv1a } from "../protocol/shards";

export function leaderboardPartition(target: string): number {
  return fnv1a(target) % LEADERBOARD_PARTITIONS;
}

/** The leaderboard partition a target's room reports to. */
export function leaderboardFor(env: AppEnv, target: string) {
  return leaderboardAt(env, leaderboardPartition(target));
}

export function leaderboardAt(env: AppEnv, partition: number) {
  return env.LEADERBOARD.get(env.LEADERBOARD.idFromName(leaderboardName(partition)));
}

export const ALL_PARTITIONS: readonly number[] = Array.from({ length: LEADERBOARD_PARTITIONS }, (_, i) => i);
