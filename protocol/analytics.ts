import { z } from "zod";
import { TargetId } from "./target";
import type { EngagementEventType } from "./events";

/**
 * Each analytics metric sums the rollups of some event types.
 */
export const METRIC_EVENT_TYPES = {
  likes: ["like"],
  unlikes: ["unlike"],
  reactions: ["reaction_add"],
  comments: ["comment_create"],
} as const satisfies Record<string, readonly EngagementEventType[]>;

export const AnalyticsMetric = z.enum(["likes", "unlikes", "reactions", "comments"]);
export type AnalyticsMetric = z.infer<typeof AnalyticsMetric>;
export const ANALYTICS_METRICS = AnalyticsMetric.options;

export const ROLLUP_BUCKET_MS = 60_000;

/** A window and the width of the points it is served in. */
export const ANALYTICS_WINDOWS = {
  "1h": { spanMs: 60 * 60_000, stepMs: 60_000, step: "minute" },
  "24h": { spanMs: 24 * 60 * 60_000, stepMs: 60 * 60_000, step: "hour" },
  "7d": { spanMs: 7 * 24 * 60 * 60_000, stepMs: 60 * 60_000, step: "hour" },
} as const;
export const AnalyticsWindow = z.enum(["1h", "24h", "7d"]);
export type AnalyticsWindow = z.infer<typeof AnalyticsWindow>;

export const TargetSeriesQuery = z.strictObject({ window: AnalyticsWindow.default("1h") });

const MetricCounts = z.object({
  likes: z.number().int().nonnegative(),
  unlikes: z.number().int().nonnegative(),
  reactions: z.number().int().nonnegative(),
  comments: z.number().int().nonnegative(),
});
export type MetricCounts = z.infer<typeof MetricCounts>;

export const TargetSeriesResponse = z.object({
  target: TargetId,
  window: AnalyticsWindow,
  step: z.enum(["minute", "hour"]),
  from: z.string(),
  to: z.string(),
  points: z.array(MetricCounts.extend({ at: z.string() })),
  totals: MetricCounts,
});
export type TargetSeriesResponse = z.infer<typeof TargetSeriesResponse>;

export const TopQuery = z.strictObject({
  metric: AnalyticsMetric.default("likes"),
  window: AnalyticsWindow.default("1h"),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export const TopResponse = z.object({
  metric: AnalyticsMetric,
  window: AnalyticsWindow,
  from: z.string(),
  to: z.string(),
  items: z.array(z.object({ target: TargetId, value: z.number().int().nonnegative() })),
});
export type TopResponse = z.infer<typeof TopResponse>;
