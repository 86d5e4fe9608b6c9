import { drizzle } from "drizzle-orm/d1";
import { desc } from "drizzle-orm";
import { z } from "zod";
import { ReconcileDrift, ReconcileReport, type ReconcileRequest } from "../protocol/reconcile";
import { LEADERBOARD_PARTITIONS } from "../protocol/internal/analytics-rpc";
import { TargetId } from "../protocol/target";
import { reconcileRuns } from "../platform/db/schema";
import type { AppEnv } from "../platform/env";
import { leaderboardAt } from "../platform/leaderboards";
import { logEvent } from "../platform/log";
import { repairTargetIndexes, repairTargetTouches, type TargetRepair, type TouchRepair } from "./user-index-repair";

/** Targets one run samples from the leaderboards' active targets; the next run goes on from there. */
export const RECONCILE_TARGETS_PER_RUN = 20;
/**
 * Users one run checks per target (each is a call to that user's object): with the targets per
 * run, this keeps a run under a Worker invocation's subrequests. A bigger target is checked in
 * part (its first users in id order); the backfill route repairs a target completely.
 */
export const RECONCILE_USERS_PER_TARGET = 400;
const REPORTED_DRIFTS = 100;

type Trigger = ReconcileReport["trigger"];

/**
 * Samples users' own indexes (durable-objects/users/) against the rooms, which hold the truth,
 * and repairs them (workers/user-index-repair.ts). The sample is the targets active lately, as
 * the sharded leaderboard partitions already know them, walked in (partition, name) order a
 * bounded number per run with the cursor kept in the run's row; or, when asked, an explicit
 * list. No database is scanned: D1 holds one `reconcile_runs` row per run, read for the cursor
 * and written with the report, two statements whatever the sample.
 */
export async function reconcileIndexes(env: AppEnv, trigger: Trigger, request: ReconcileRequest = {}): Promise<ReconcileReport> {
  const db = drizzle(env.DB);
  const startedAt = Date.now();
  const [last] = await db.select({ next: reconcileRuns.nextCursor }).from(reconcileRuns).orderBy(desc(reconcileRuns.id)).limit(1);
  const sample =
    request.targets !== undefined
      ? // An operator's list leaves the sample's cursor where it was.
        { targets: [...new Set(request.targets)], next: last?.next ?? null, complete: true }
      : await sampleActiveTargets(env, parseCursor(last?.next ?? null), RECONCILE_TARGETS_PER_RUN);

  const repairs: TargetRepair[] = [];
  const touchRepairs: TouchRepair[] = [];
  const drifts: ReconcileDrift[] = [];
  for (const target of sample.targets) {
    try {
      const repair = await repairTargetIndexes(env, target, { maxUsers: RECONCILE_USERS_PER_TARGET });
      repairs.push(repair);
      // Comments, reactions and roles file the target under a user too (deletion and export
      // read them): an entry a lost event never wrote is filed again; present ones are left.
      const touches = await repairTargetTouches(env, target, { maxUsers: RECONCILE_USERS_PER_TARGET });
      touchRepairs.push(touches);
      const drift = driftOf(repair, touches);
      if (drift !== null) drifts.push(drift);
    } catch (error) {
      logEvent("reconcile_target_failed", { target, error: String(error) });
      drifts.push({ target, indexed: 0, counted: null, truth: null, repaired: false, reason: "room unavailable; the next run retries" });
    }
  }

  const totals = {
    usersChecked: sum(repairs, (r) => r.usersChecked),
    usersDrifted: sum(repairs, (r) => r.missing + r.stale + r.forgotten),
    usersRepaired: sum(repairs, (r) => r.repaired + r.bounced),
    touchesRepaired: touchRepairs.reduce((total, touches) => total + touches.stored, 0),
  };
  const repaired = drifts.filter((drift) => drift.repaired).length;
  const [run] = await db
    .insert(reconcileRuns)
    .values({
      trigger,
      startedAt,
      finishedAt: Date.now(),
      targetsChecked: sample.targets.length,
      driftsFound: drifts.length,
      repaired,
      failed: drifts.length - repaired,
      nextCursor: sample.next,
      drifts: JSON.stringify({ drifts: drifts.slice(0, REPORTED_DRIFTS), complete: sample.complete, ...totals } satisfies StoredRun),
    })
    .returning();
  logEvent("reconcile", { trigger, targets: sample.targets.length, drifts: drifts.length, repaired, complete: sample.complete, ...totals });
  return toReport(run!);
}

function sum(repairs: readonly TargetRepair[], of: (repair: TargetRepair) => number): number {
  return repairs.reduce((total, repair) => total + of(repair), 0);
}

function driftOf(repair: TargetRepair, touches: TouchRepair): ReconcileDrift | null {
  const wrong = repair.missing + repair.stale + repair.forgotten + touches.stored;
  const failed = repair.failed + touches.failed;
  if (wrong === 0 && failed === 0) return null;
  const partial = repair.next !== null || touches.next !== null ? `; checked its first ${RECONCILE_USERS_PER_TARGET} users only` : "";
  return {
    target: repair.target,
    indexed: repair.indexed,
    counted: null,
    truth: repair.truth,
    repaired: failed === 0,
    ...(failed > 0 ? { reason: `${failed} user objects or rooms did not answer; the next run retries${partial}` } : partial ? { reason: partial.slice(2) } : {}),
    usersChecked: repair.usersChecked,
    missing: repair.missing,
    stale: repair.stale,
    forgotten: repair.forgotten,
    ...(touches.stored > 0 ? { touchesMissing: touches.stored } : {}),
  };
}

interface SampleCursor {
  partition: number;
  after: string | null;
}

/** `<partition>:<last target>`; anything else (a cursor of the D1 comparison before) starts over. */
function parseCursor(raw: string | null): SampleCursor {
  const match = raw === null ? null : /^(\d+):(.*)$/s.exec(raw);
  const partition = Number(match?.[1] ?? 0);
  if (match === null || partition >= LEADERBOARD_PARTITIONS) return { partition: 0, after: null };
  const after = TargetId.safeParse(match[2]);
  return { partition, after: after.success ? after.data : null };
}

async function sampleActiveTargets(env: AppEnv, from: SampleCursor, count: number): Promise<{ targets: string[]; next: string | null; complete: boolean }> {
  let { partition, after } = from;
  const targets: string[] = [];
  while (partition < LEADERBOARD_PARTITIONS && targets.length < count) {
    const want = count - targets.length;
    const page = await leaderboardAt(env, partition).activeTargets({ after, limit: want });
    targets.push(...page);
    if (page.length < want) {
      partition++;
      after = null;
    } else after = page.at(-1) ?? null;
  }
  const next = partition < LEADERBOARD_PARTITIONS ? `${partition}:${after ?? ""}` : null;
  return { targets, next, complete: next === null };
}

const StoredRun = z.object({
  drifts: z.array(ReconcileDrift),
  complete: z.boolean(),
  usersChecked: z.number().int().nonnegative(),
  usersDrifted: z.number().int().nonnegative(),
  usersRepaired: z.number().int().nonnegative(),
  touchesRepaired: z.number().int().nonnegative().default(0),
});
type StoredRun = z.infer<typeof StoredRun>;
/** Rows written before issue 17's reconciliation held only the drift list. */
const StoredRunAnyAge = z.union([StoredRun, z.array(ReconcileDrift)]);

export function toReport(run: typeof reconcileRuns.$inferSelect): ReconcileReport {
  const stored = StoredRunAnyAge.parse(JSON.parse(run.drifts));
  const details = Array.isArray(stored)
    ? { drifts: stored, complete: run.nextCursor === null, usersChecked: 0, usersDrifted: 0, usersRepaired: 0, touchesRepaired: 0 }
    : stored;
  return ReconcileReport.parse({
    id: run.id,
    trigger: run.trigger,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(run.finishedAt).toISOString(),
    targetsChecked: run.targetsChecked,
    driftsFound: run.driftsFound,
    repaired: run.repaired,
    failed: run.failed,
    ...details,
  });
}

export async function lastReconcileReport(d1: D1Database): Promise<ReconcileReport | null> {
  const [run] = await drizzle(d1).select().from(reconcileRuns).orderBy(desc(reconcileRuns.id)).limit(1);
  return run ? toReport(run) : null;
}
