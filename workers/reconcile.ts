import { drizzle } from "drizzle-orm/d1";
import { and, asc, count, desc, eq, gt, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { ReconcileDrift, ReconcileReport } from "../protocol/reconcile";
import { reconcileRuns, targetCounts, userLikes } from "./db/schema";
import { d1Statement } from "./d1-statements";
import type { AppEnv } from "./env";
import { logEvent } from "./log";
import { roomFor } from "./rooms";
import { forgottenAmong } from "./deletion/forgotten-users";
import { subjectKeySecret } from "./subject-key";

const TARGETS_PER_PAGE = 200;
/** A run checks at most this many pages and leaves a cursor for the next run. */
export const RECONCILE_PAGES_PER_RUN = 50;
/** Larger rooms are reported, not rewritten inline: the rewrite is one D1 transaction. */
export const MAX_REPAIR_LIKES = 10_000;
const LIKERS_PER_PAGE = 1_000;
/** Two bound parameters per liker plus the target and the seq guard's two. */
const LIKERS_PER_INSERT = 45;
const REPORTED_DRIFTS = 100;

type Trigger = ReconcileReport["trigger"];

/**
 * Compares, per target, D1's legacy like rows (`user_likes`) with its legacy count
 * (`target_counts`). Rooms checkpointed both in one transaction until issue 17; nothing writes
 * them now, so this only ever finds rows a deployment kept from before (migrations are
 * additive) that a fault, a manual edit or a partial purge left disagreeing. For each difference
 * the target's room, which holds the truth, is asked for its likers and the rows are rewritten
 * from them, never with a user whose deletion completed. Bounded per run (pages of targets,
 * with a cursor), so it stays a low-rate job: no like, comment or reaction waits for it.
 * Not done yet (issue 17): sampling users' own indexes against the rooms instead.
 */
export async function reconcileCounts(env: AppEnv, trigger: Trigger): Promise<ReconcileReport> {
  const db = drizzle(env.DB);
  const startedAt = Date.now();
  const [last] = await db.select({ next: reconcileRuns.nextCursor }).from(reconcileRuns).orderBy(desc(reconcileRuns.id)).limit(1);
  let cursor = last?.next ?? "";
  let checked = 0;
  let complete = false;
  const drifts: ReconcileDrift[] = [];

  for (let page = 0; page < RECONCILE_PAGES_PER_RUN; page++) {
    const counted = await db
      .select({ target: targetCounts.target, likes: targetCounts.likes })
      .from(targetCounts)
      .where(gt(targetCounts.target, cursor))
      .orderBy(asc(targetCounts.target))
      .limit(TARGETS_PER_PAGE);
    const upper = counted.length === TARGETS_PER_PAGE ? counted.at(-1)!.target : null;
    // Counting like rows by range, not by the listed targets, also finds targets that have
    // like rows but lost their count row.
    const inRange = upper === null ? gt(userLikes.target, cursor) : and(gt(userLikes.target, cursor), lte(userLikes.target, upper));
    const indexed = await db.select({ target: userLikes.target, n: count() }).from(userLikes).where(inRange).groupBy(userLikes.target);

    const byTarget = new Map<string, { indexed: number; counted: number | null }>();
    for (const row of counted) byTarget.set(row.target, { indexed: 0, counted: row.likes });
    for (const row of indexed) byTarget.set(row.target, { indexed: row.n, counted: byTarget.get(row.target)?.counted ?? null });
    checked += byTarget.size;
    for (const [target, seen] of byTarget) {
      if (seen.indexed !== (seen.counted ?? 0)) drifts.push(await repairTarget(env, target, seen));
    }
    if (upper === null) {
      complete = true;
      break;
    }
    cursor = upper;
  }

  const finishedAt = Date.now();
  const repaired = drifts.filter((drift) => drift.repaired).length;
  const [run] = await db
    .insert(reconcileRuns)
    .values({
      trigger,
      startedAt,
      finishedAt,
      targetsChecked: checked,
      driftsFound: drifts.length,
      repaired,
      failed: drifts.length - repaired,
      nextCursor: complete ? null : cursor,
      drifts: JSON.stringify(drifts.slice(0, REPORTED_DRIFTS)),
    })
    .returning();
  logEvent("reconcile", { trigger, checked, drifts: drifts.length, repaired, complete });
  return toReport(run!);
}

async function repairTarget(env: AppEnv, target: string, seen: { indexed: number; counted: number | null }): Promise<ReconcileDrift> {
  const drift = { target, indexed: seen.indexed, counted: seen.counted };
  const room = roomFor(env, target);
  try {
    let read = await readLikers(room, target);
    if ("reason" in read) return { ...drift, truth: read.truth, repaired: false, reason: read.reason };
    // A user whose deletion completed is never copied back into D1: the room forgets them
    // instead (a write that reached the room after the deletion's last sweep), then is read again.
    const forgotten = await forgottenAmong(env.DB, subjectKeySecret(env), read.likers.map((liker) => liker.userId));
    if (forgotten.size > 0) {
      await Promise.all([...forgotten].map((userId) => room.forgetUser({ target, userId })));
      logEvent("reconcile_forgot_deleted_users", { target, users: forgotten.size });
      read = await readLikers(room, target);
      if ("reason" in read) return { ...drift, truth: read.truth, repaired: false, reason: read.reason };
    }
    const { truth } = read;
    const likers = read.likers.filter((liker) => !forgotten.has(liker.userId));
    await rewriteTargetIndex(env.DB, target, truth, likers);
    const after = await readTargetIndex(env.DB, target);
    const consistent = after.indexed === after.counted;
    return {
      ...drift,
      truth: truth.likes,
      repaired: consistent,
      ...(consistent ? {} : { reason: "the rows changed during the repair; next run retries" }),
    };
  } catch (error) {
    logEvent("reconcile_repair_failed", { target, error: String(error) });
    return { ...drift, truth: null, repaired: false, reason: "room or D1 unavailable" };
  }
}

type Liker = { userId: string; likedAt: number };

/** Every liker the room holds, read page by page at one seq, or why not. */
async function readLikers(
  room: ReturnType<typeof roomFor>,
  target: string,
): Promise<{ truth: { likes: number; seq: number }; likers: Liker[] } | { truth: number; reason: string }> {
  let page = await room.likeIndexPage({ target, afterUserId: null, limit: LIKERS_PER_PAGE });
  const truth = { likes: page.likes, seq: page.seq };
  if (truth.likes > MAX_REPAIR_LIKES) return { truth: truth.likes, reason: `over ${MAX_REPAIR_LIKES} likes: repair by hand` };
  const likers: Liker[] = [...page.users];
  while (page.nextAfter !== null) {
    page = await room.likeIndexPage({ target, afterUserId: page.nextAfter, limit: LIKERS_PER_PAGE });
    if (page.seq !== truth.seq) return { truth: page.likes, reason: "changed while read; next run retries" };
    likers.push(...page.users);
  }
  return { truth, likers };
}

/**
 * Replaces the target's D1 like rows and count with the room's, in one transaction. Every
 * statement is guarded by the stored seq: if a repair from a newer truth (a concurrent run)
 * landed meanwhile, D1 is already fresher and nothing is overwritten.
 */
async function rewriteTargetIndex(
  d1: D1Database,
  target: string,
  truth: { likes: number; seq: number },
  likers: readonly { userId: string; likedAt: number }[],
): Promise<void> {
  const db = drizzle(d1);
  const notNewer = sql`COALESCE((SELECT seq FROM target_counts WHERE target = ${target}), -1) <= ${truth.seq}`;
  const statements = [d1Statement(d1, sql`DELETE FROM user_likes WHERE target = ${target} AND ${notNewer}`)];
  for (let i = 0; i < likers.length; i += LIKERS_PER_INSERT) {
    const rows = likers.slice(i, i + LIKERS_PER_INSERT).map((liker) => sql`(${liker.userId}, ${liker.likedAt})`);
    statements.push(
      d1Statement(
        d1,
        sql`INSERT INTO user_likes (user_id, target, liked_at)
          SELECT column1, ${target}, column2 FROM (VALUES ${sql.join(rows, sql`, `)}) WHERE ${notNewer}
          ON CONFLICT (user_id, target) DO UPDATE SET liked_at = excluded.liked_at`,
      ),
    );
  }
  const countUpsert = db
    .insert(targetCounts)
    .values({ target, likes: truth.likes, seq: truth.seq, updatedAt: Date.now() })
    .onConflictDoUpdate({
      target: targetCounts.target,
      set: { likes: sql`excluded.likes`, seq: sql`excluded.seq`, updatedAt: sql`excluded.updated_at` },
      setWhere: sql`excluded.seq >= ${targetCounts.seq}`,
    });
  await d1.batch([...statements, d1Statement(d1, countUpsert)]);
}

async function readTargetIndex(d1: D1Database, target: string): Promise<{ indexed: number; counted: number }> {
  const db = drizzle(d1);
  const [indexed] = await db.select({ n: count() }).from(userLikes).where(eq(userLikes.target, target));
  const [counted] = await db.select({ likes: targetCounts.likes }).from(targetCounts).where(eq(targetCounts.target, target));
  return { indexed: indexed?.n ?? 0, counted: counted?.likes ?? 0 };
}

const StoredDrifts = z.array(ReconcileDrift);

export function toReport(run: typeof reconcileRuns.$inferSelect): ReconcileReport {
  return ReconcileReport.parse({
    id: run.id,
    trigger: run.trigger,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(run.finishedAt).toISOString(),
    targetsChecked: run.targetsChecked,
    driftsFound: run.driftsFound,
    repaired: run.repaired,
    failed: run.failed,
    complete: run.nextCursor === null,
    drifts: StoredDrifts.parse(JSON.parse(run.drifts)),
  });
}

export async function lastReconcileReport(d1: D1Database): Promise<ReconcileReport | null> {
  const [run] = await drizzle(d1).select().from(reconcileRuns).orderBy(desc(reconcileRuns.id)).limit(1);
  return run ? toReport(run) : null;
}
