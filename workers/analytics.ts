import { drizzle } from "drizzle-orm/d1";
import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";
import {
  ANALYTICS_METRICS,
  ANALYTICS_WINDOWS,
  METRIC_EVENT_TYPES,
  type AnalyticsMetric,
  type AnalyticsWindow,
  type MetricCounts,
  type TargetSeriesResponse,
  type TopResponse,
} from "../protocol/analytics";
import { eventRollups } from "./db/schema";

const METRIC_BY_TYPE = new Map<string, AnalyticsMetric>(
  ANALYTICS_METRICS.flatMap((metric) => METRIC_EVENT_TYPES[metric].map((type) => [type, metric] as const)),
);

function zeroCounts(): MetricCounts {
  return { likes: 0, unlikes: 0, reactions: 0, comments: 0 };
}

/** The window ends with the current (partial) step, so the newest point fills as events arrive. */
function windowBounds(window: AnalyticsWindow, now: number): { from: number; to: number; stepMs: number } {
  const { spanMs, stepMs } = ANALYTICS_WINDOWS[window];
  const to = Math.floor(now / stepMs) * stepMs + stepMs;
  return { from: to - spanMs, to, stepMs };
}

/** A dense series (every step present, zeros included) of one target, from the minute rollups. */
export async function targetSeries(d1: D1Database, target: string, window: AnalyticsWindow, now = Date.now()): Promise<TargetSeriesResponse> {
  const { from, to, stepMs } = windowBounds(window, now);
  const rows = await drizzle(d1)
    .select({
      // Inlined: a bound JavaScript number is a REAL in D1 and would make `/` a float division.
      step: sql<number>`(${eventRollups.bucket} / ${sql.raw(String(stepMs))}) * ${sql.raw(String(stepMs))}`,
      type: eventRollups.type,
      n: sql<number>`SUM(${eventRollups.count})`,
    })
    .from(eventRollups)
    .where(and(eq(eventRollups.target, target), gte(eventRollups.bucket, from), sql`${eventRollups.bucket} < ${to}`))
    .groupBy(sql`1`, eventRollups.type);

  const points = new Map<number, MetricCounts>();
  for (let at = from; at < to; at += stepMs) points.set(at, zeroCounts());
  const totals = zeroCounts();
  for (const row of rows) {
    const metric = METRIC_BY_TYPE.get(row.type);
    const point = points.get(Number(row.step));
    if (metric === undefined || point === undefined) continue;
    point[metric] += Number(row.n);
    totals[metric] += Number(row.n);
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

/** Targets with the most events of one metric in the window. */
export async function topTargets(
  d1: D1Database,
  metric: AnalyticsMetric,
  window: AnalyticsWindow,
  limit: number,
  now = Date.now(),
): Promise<TopResponse> {
  const { from, to } = windowBounds(window, now);
  const value = sql<number>`SUM(${eventRollups.count})`;
  const rows = await drizzle(d1)
    .select({ target: eventRollups.target, value })
    .from(eventRollups)
    .where(and(inArray(eventRollups.type, [...METRIC_EVENT_TYPES[metric]]), gte(eventRollups.bucket, from), sql`${eventRollups.bucket} < ${to}`))
    .groupBy(eventRollups.target)
    .orderBy(desc(value), eventRollups.target)
    .limit(limit);
  return {
    metric,
    window,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    items: rows.map((row) => ({ target: row.target, value: Number(row.value) })),
  };
}
