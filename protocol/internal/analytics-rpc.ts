import { z } from "zod";
import { TargetId } from "../target";
import { AnalyticsMetric } from "../analytics";

/**
 * Internal contracts of analytics without a central table (docs/analytics.md): a target's
 * buckets kept by its room (and its like shards), and the leaderboard partitions the rooms
 * report them to. Not public wire: only Workers and Durable Objects speak it.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const StepMs = z.union([z.literal(MINUTE_MS), z.literal(HOUR_MS)]);
export type StepMs = z.infer<typeof StepMs>;

/**
 * How far back each step is kept, by rooms and leaderboards alike. The widest windows are 1h
 * of minutes and 7d of hours (protocol/analytics.ts ANALYTICS_WINDOWS); one step more covers
 * the window's partial first point.
 */
export function keepMs(stepMs: StepMs): number {
  return stepMs === MINUTE_MS ? 2 * HOUR_MS : 8 * 24 * HOUR_MS;
}
export const STEPS: readonly StepMs[] = [MINUTE_MS, HOUR_MS];

const Count = z.number().int().nonnegative();

/**
 * Events of one step bucket. Counts only grow (events are never taken back: an unlike is an
 * event of its own), so a bucket reported twice, or out of order, merges by MAX.
 */
export const SeriesBucket = z.strictObject({
  stepMs: StepMs,
  bucket: z.number().int().nonnegative(),
  likes: Count,
  unlikes: Count,
  reactions: Count,
  comments: Count,
});
export type SeriesBucket = z.infer<typeof SeriesBucket>;

export const SeriesBucketsInput = z.strictObject({
  target: TargetId,
  stepMs: StepMs,
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
});
export type SeriesBucketsInput = z.infer<typeof SeriesBucketsInput>;

/** A room's changed buckets since its last report (at most one report a minute per target). */
export const LeaderboardReport = z.strictObject({
  target: TargetId,
  buckets: z.array(SeriesBucket).max(1_000),
});
export type LeaderboardReport = z.infer<typeof LeaderboardReport>;

export const LeaderboardTopInput = z.strictObject({
  metric: AnalyticsMetric,
  stepMs: StepMs,
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(100),
});
export type LeaderboardTopInput = z.infer<typeof LeaderboardTopInput>;

export interface LeaderboardItem {
  target: string;
  value: number;
}

/**
 * Leaderboard partitions. Every read asks all of them (merged by the Worker, cached at the
 * edge), every room reports to one; changing the number moves targets between partitions, so
 * it is a constant, sized in docs/analytics.md "Partitioning".
 */
export const LEADERBOARD_PARTITIONS = 16;

export function leaderboardName(partition: number): string {
  return `leaderboard#${partition}`;
}

/** Leaderboard.activeTargets: a page of a partition's active targets in name order. */
export const ActiveTargetsInput = z.strictObject({
  after: TargetId.nullable(),
  limit: z.number().int().min(1).max(1_000),
});
export type ActiveTargetsInput = z.infer<typeof ActiveTargetsInput>;
