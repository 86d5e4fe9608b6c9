import { drizzle } from "drizzle-orm/d1";
import { desc } from "drizzle-orm";
import type { HealthCheck, HealthReport, HealthStatus } from "../protocol/operations";
import { BACKLOG_BOARDS, backlogBoardNameAt, consumerBoardName } from "../protocol/internal/health-board";
import { reconcileRuns } from "../platform/db/schema";
import type { AppEnv } from "../platform/env";
import { EVENTS_QUEUE } from "./queues";
import { isolateRequests, REQUEST_WINDOW_MS, type RequestWindow } from "./request-window";

/**
 * Thresholds of `GET /v1/admin/health`. The seeds name three (error rate > 1%, consumer lag
 * > 1000 events, cache hit rate < 95%); the others are ours, chosen from the intervals the
 * system runs on (outbox 0.25 s, reconciliation cron every 15 min).
 * docs/operations.md lists the same numbers as alerts.
 */
export const HEALTH_THRESHOLDS = {
  d1: { warnMs: 500, failMs: 2_000 },
  consumer: { warnLagMs: 60_000, failLagMs: 10 * 60_000 },
  /** Events not yet accepted by the queue, summed over rooms: the seeds' "consumer lag > 1000 events". */
  outbox: { warnEvents: 1_000, failEvents: 10_000, warnAgeMs: 60_000, failAgeMs: 15 * 60_000 },
  /** The cron runs every 15 minutes: four missed runs warn, a day fails. */
  reconciliation: { warnAgeMs: 60 * 60_000, failAgeMs: 24 * 60 * 60_000 },
  requests: { warnErrorRate: 0.01, failErrorRate: 0.05, warnCacheHitRate: 0.95, failCacheHitRate: 0.8, minSample: 100 },
} as const;

const RANK: Record<HealthStatus, number> = { ok: 0, warn: 1, fail: 2 };

function worst(...statuses: HealthStatus[]): HealthStatus {
  return statuses.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "ok");
}

function above(value: number, warn: number, fail: number): HealthStatus {
  return value > fail ? "fail" : value > warn ? "warn" : "ok";
}

async function checkD1(d1: D1Database, now: () => number): Promise<HealthCheck> {
  const { warnMs, failMs } = HEALTH_THRESHOLDS.d1;
  const thresholds = { warn: `query > ${warnMs} ms`, fail: `query fails or > ${failMs} ms` };
  const startedAt = now();
  try {
    await d1.prepare("SELECT 1").first();
    const ms = now() - startedAt;
    return { status: above(ms, warnMs, failMs), observed: { queryMs: ms }, thresholds };
  } catch (error) {
    return { status: "fail", observed: { queryMs: null, error: String(error).slice(0, 200) }, thresholds };
  }
}

/** The health boards (durable-objects/health/health-board.ts), not D1: no per-write table. */
function board(env: AppEnv, name: string) {
  return env.HEALTH_BOARD.get(env.HEALTH_BOARD.idFromName(name));
}

async function checkConsumer(env: AppEnv, now: number): Promise<HealthCheck> {
  const { warnLagMs, failLagMs } = HEALTH_THRESHOLDS.consumer;
  const thresholds = { warn: `oldest event of the last batch > ${warnLagMs / 1000} s old`, fail: `> ${failLagMs / 1000} s old` };
  const row = await board(env, consumerBoardName(EVENTS_QUEUE)).consumerStats(EVENTS_QUEUE);
  if (!row) return { status: "ok", observed: { lagMs: null, lastBatchAgeMs: null }, thresholds, note: "no batch consumed yet" };
  return {
    status: above(row.lagMs, warnLagMs, failLagMs),
    observed: { lagMs: row.lagMs, lastBatchAgeMs: Math.max(0, now - row.lastBatchAt), messages: row.messages, maxAttempts: row.maxAttempts },
    thresholds,
    note: "lag as of the last batch; an idle queue keeps its last value",
  };
}

async function checkOutbox(env: AppEnv, now: number): Promise<HealthCheck> {
  const { warnEvents, failEvents, warnAgeMs, failAgeMs } = HEALTH_THRESHOLDS.outbox;
  const boards = await Promise.all(Array.from({ length: BACKLOG_BOARDS }, (_, k) => board(env, backlogBoardNameAt(k)).backlogSummary()));
  const events = boards.reduce((n, summary) => n + summary.events, 0);
  const oldests = boards.flatMap((summary) => (summary.oldestAt === null ? [] : [summary.oldestAt]));
  const row = { rooms: boards.reduce((n, summary) => n + summary.rooms, 0), oldestAt: oldests.length === 0 ? null : Math.min(...oldests) };
  const oldestAgeMs = row.oldestAt === null ? null : Math.max(0, now - row.oldestAt);
  return {
    status: worst(above(events, warnEvents, failEvents), above(oldestAgeMs ?? 0, warnAgeMs, failAgeMs)),
    observed: { unsentEvents: events, rooms: row.rooms, oldestAgeMs },
    thresholds: {
      warn: `> ${warnEvents} unsent events or oldest > ${warnAgeMs / 1000} s`,
      fail: `> ${failEvents} unsent events or oldest > ${failAgeMs / 60_000} min`,
    },
    note: "as rooms with a backlog last reported it (at most 30 s old)",
  };
}

async function checkReconciliation(d1: D1Database, now: number): Promise<HealthCheck> {
  const { warnAgeMs, failAgeMs } = HEALTH_THRESHOLDS.reconciliation;
  const thresholds = {
    warn: `no run yet, last run > ${warnAgeMs / 60_000} min ago, or drifts it could not repair`,
    fail: `last run > ${failAgeMs / 3_600_000} h ago`,
  };
  const [run] = await drizzle(d1).select().from(reconcileRuns).orderBy(desc(reconcileRuns.id)).limit(1);
  if (!run) return { status: "warn", observed: { lastRunAgeMs: null }, thresholds, note: "no reconciliation has run yet" };
  const ageMs = Math.max(0, now - run.finishedAt);
  return {
    status: worst(above(ageMs, warnAgeMs, failAgeMs), run.failed > 0 ? "warn" : "ok"),
    observed: { lastRunAgeMs: ageMs, driftsFound: run.driftsFound, repaired: run.repaired, failed: run.failed },
    thresholds,
  };
}

function checkRequests(window: RequestWindow): HealthCheck {
  const t = HEALTH_THRESHOLDS.requests;
  const totals = window.totals();
  const errorRate = totals.requests === 0 ? 0 : totals.serverErrors / totals.requests;
  const cacheHitRate = totals.cacheLookups === 0 ? 1 : totals.cacheHits / totals.cacheLookups;
  const errorStatus = totals.requests < t.minSample ? "ok" : above(errorRate, t.warnErrorRate, t.failErrorRate);
  const cacheStatus: HealthStatus =
    totals.cacheLookups < t.minSample ? "ok" : cacheHitRate < t.failCacheHitRate ? "fail" : cacheHitRate < t.warnCacheHitRate ? "warn" : "ok";
  return {
    status: worst(errorStatus, cacheStatus),
    observed: { ...totals, errorRate, cacheHitRate },
    thresholds: {
      warn: `5xx rate > ${t.warnErrorRate * 100}% or cache hit rate < ${t.warnCacheHitRate * 100}%`,
      fail: `5xx rate > ${t.failErrorRate * 100}% or cache hit rate < ${t.failCacheHitRate * 100}%`,
    },
    note:
      `this isolate's last ${REQUEST_WINDOW_MS / 60_000} min (a sample; fleet-wide rates are in Analytics Engine); ` +
      `rates count only with >= ${t.minSample} requests or cache lookups`,
  };
}

/** A check whose own query failed reports `fail` instead of failing the whole report. */
async function guarded(check: () => Promise<HealthCheck>): Promise<HealthCheck> {
  try {
    return await check();
  } catch (error) {
    return { status: "fail", observed: { error: String(error).slice(0, 200) }, thresholds: { warn: "-", fail: "the check's query fails" } };
  }
}

export async function healthReport(env: AppEnv, now: () => number = Date.now, window: RequestWindow = isolateRequests): Promise<HealthReport> {
  const at = now();
  const [d1, consumer, outbox, reconciliation] = await Promise.all([
    checkD1(env.DB, now),
    guarded(() => checkConsumer(env, at)),
    guarded(() => checkOutbox(env, at)),
    guarded(() => checkReconciliation(env.DB, at)),
  ]);
  const requests = checkRequests(window);
  const checks = { d1, consumer, outbox, reconciliation, requests };
  return {
    status: worst(...Object.values(checks).map((check) => check.status)),
    at: new Date(at).toISOString(),
    checks,
  };
}
