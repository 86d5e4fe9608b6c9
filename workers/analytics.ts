import {
  ANALYTICS_WINDOWS,
  type AnalyticsMetric,
  type AnalyticsWindow,
  type MetricCounts,
  type TargetSeriesResponse,
  type TopResponse,
} from "../protocol/analytics";
import { StepMs, type LeaderboardItem } from "../protocol/internal/analytics-rpc";
import type { AppEnv } from "../platform/env";
import { roomFor } from "../platform/rooms";
import { ALL_PARTITIONS, leaderboardAt } from "../platform/leaderboards";
import { mapBounded, WORKER_CONNECTIONS } from "./bounded";

/**
 * Analytics without a central table (docs/analytics.md): a target's series is answered by its
 * own room, the top targets by merging the leaderboard partitions' tops.
 */
function zeroCounts(): MetricCounts {
  return { likes: 0, unlikes: 0, reactions: 0, comments: 0 };
}

/** The window ends with the current (partial) step, so the newest point fills as events arrive. */
function windowBounds(window: AnalyticsWindow, now: number): { from: number; to: number; stepMs: StepMs } {
  const { spanMs, stepMs } = ANALYTICS_WINDOWS[window];
  const to = Math.floor(now / stepMs) * stepMs + stepMs;
  return { from: to - spanMs, to, stepMs: StepMs.parse(stepMs) };
}

/** A dense series (every step present, zeros included) of one target, from its room's buckets. */
export async function targetSeries(env: AppEnv, target: string, window: AnalyticsWindow, now = Date.now()): Promise<TargetSeriesResponse> {
  const { from, to, stepMs } = windowBounds(window, now);
  // A room that was never written answers no buckets and stays unstored.
  const buckets = await roomFor(env, target).seriesBuckets({ target, stepMs, from, to });
  const points = new Map<number, MetricCounts>();
  for (let at = from; at < to; at += stepMs) points.set(at, zeroCounts());
  const totals = zeroCounts();
  for (const bucket of buckets) {
    const point = points.get(bucket.bucket);
    if (point === undefined) continue;
    for (const metric of ["likes", "unlikes", "reactions", "comments"] as const) {
      point[metric] += bucket[metric];
      totals[metric] += bucket[metric];
    }
  }
  return {
    target,
    window,
    step: ANALYTICS_WINDOWS[window].step,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    points: [...points].map(([at, counts]) => ({ at: new Date(at).toISOString(), ...counts })),
    totals,
  };
}

/**
 * Targets with the most events of one metric in the window. Every partition answers its own
 * top `limit` (partitions hold disjoint targets, so the merged top is exact as of the rooms'
 * last reports, at most a minute old); 6 lanes keep to the Worker's connection limit.
 */
export async function topTargets(env: AppEnv, metric: AnalyticsMetric, window: AnalyticsWindow, limit: number, now = Date.now()): Promise<TopResponse> {
  const { from, to, stepMs } = windowBounds(window, now);
  const tops = await mapBounded(ALL_PARTITIONS, WORKER_CONNECTIONS, (partition) => leaderboardAt(env, partition).top({ metric, stepMs, from, to, limit }));
  const items: LeaderboardItem[] = tops
    .flat()
    .sort((a, b) => b.value - a.value || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))
    .slice(0, limit);
  return {
    metric,
    window,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    items: items.map((item) => ({ target: item.target, value: item.value })),
  };
}
