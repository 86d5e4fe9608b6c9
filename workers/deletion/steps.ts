import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { comments, deadLetters, deletionReceipts, deletionTargets, events, userLikes, userRoomRefs } from "../../platform/db/schema";
import { ERASED_AUTHOR_NAME } from "../../protocol/comments";
import type { AppEnv } from "../../platform/env";
import { logEvent } from "../../platform/log";
import { roomFor } from "../../platform/rooms";
import { DELETION_SETTLE_SECONDS } from "./start";
import { touchedTargets } from "./touched-targets";
import { roomsWrittenSince } from "./recent-writes";
import { userIndexFor } from "../user-objects";
import { d1Statement } from "../d1-statements";
import { eraseUserFromDeadLetters } from "../dead-letter-erasure";

/** Rooms visited in parallel by one step; keeps a step well inside a consumer's time limit. */
export const TARGETS_PER_STEP = 25;
const TARGETS_PER_INSERT = 33;
/** Statements per D1 batch when rooms are put back to work. */
const REOPENS_PER_BATCH = 50;

/** What the consumer does after a step: queue the next one after `delaySeconds`, or stop. */
export type StepOutcome = { next: true; delaySeconds: number } | { next: false };

/**
 * Room clocks and the Worker's may disagree a little; a write stamped this close before a
 * room's visit counts as made after it (a harmless extra visit, never a missed one).
 */
export const CLOCK_SKEW_MS = 1_000;

/**
 * One step of a deletion. Every step is idempotent (a room forgets an absent user as a
 * no-op, marking a target done twice changes nothing), so a retried or duplicated step is
 * harmless. The phases:
 * 1. visit up to TARGETS_PER_STEP unvisited targets: each room forgets the user;
 * 2. when none are left, ask the user's own object again (targetsToVisit): targets that appeared
 *    since (late queue deliveries) and visited rooms the user wrote to again after their visit go
 *    back to phase 1; so the deletion completes only after a sweep that finds no such room;
 * 3. otherwise the user's object forgets them, but only if nothing reached it since that sweep
 *    (else back to 2): from then on it bounces late events back to their rooms. Then the legacy
 *    D1 copies are purged in one transaction and the receipt completes, dropping its user id.
 *    Nothing writes those tables any more (issue 17); the purge is for rows a deployment wrote
 *    before, once per deletion, never per write.
 */
export async function runDeletionStep(env: AppEnv, receiptId: string): Promise<StepOutcome> {
  const db = drizzle(env.DB);
  const [receipt] = await db.select().from(deletionReceipts).where(eq(deletionReceipts.id, receiptId)).limit(1);
  if (!receipt || receipt.status === "completed" || receipt.userId === null) return { next: false };
  const userId = receipt.userId;
  const now = Date.now();

  const pending = await db
    .select({ target: deletionTargets.target })
    .from(deletionTargets)
    .where(and(eq(deletionTargets.receiptId, receiptId), isNull(deletionTargets.doneAt)))
    .limit(TARGETS_PER_STEP);
  if (pending.length > 0) {
    const targets = pending.map((row) => row.target);
    const results = await Promise.all(targets.map((target) => roomFor(env, target).forgetUser({ target, userId })));
    await db.batch([
      db
        .update(deletionTargets)
        .set({ doneAt: now })
        .where(and(eq(deletionTargets.receiptId, receiptId), inArray(deletionTargets.target, targets))),
      db
        .update(deletionReceipts)
        .set({
          targetsDone: sql`(SELECT COUNT(*) FROM deletion_targets WHERE receipt_id = ${receiptId} AND done_at IS NOT NULL)`,
          updatedAt: now,
        })
        .where(eq(deletionReceipts.id, receiptId)),
    ]);
    logEvent("deletion_step", { receiptId, targets: targets.length, likesRemoved: results.reduce((n, r) => n + r.likesRemoved, 0) });
    const more = pending.length === TARGETS_PER_STEP;
    // After the last rooms, wait for their outboxes and the queue to reach the user's object before looking again.
    return { next: true, delaySeconds: more ? 0 : DELETION_SETTLE_SECONDS };
  }

  const more = await targetsToVisit(env, receiptId, userId, receipt.createdAt);
  if (more.added + more.reopened > 0) {
    await db
      .update(deletionReceipts)
      .set({
        targetsTotal: sql`(SELECT COUNT(*) FROM deletion_targets WHERE receipt_id = ${receiptId})`,
        targetsDone: sql`(SELECT COUNT(*) FROM deletion_targets WHERE receipt_id = ${receiptId} AND done_at IS NOT NULL)`,
        updatedAt: now,
      })
      .where(eq(deletionReceipts.id, receiptId));
    logEvent("deletion_found_more", { receiptId, targets: more.added, revisits: more.reopened });
    return { next: true, delaySeconds: 0 };
  }

  // The user's own object goes too (index, quotas, lake key), keeping only the deletion's time.
  // Conditional: a write that reached it after the sweep above would otherwise vanish here while
  // its room still holds it; then the sweep runs again.
  const closed = await userIndexFor(env, userId).forget({ ifRevision: more.revision });
  if (!closed.forgotten) {
    logEvent("deletion_index_moved", { receiptId });
    return { next: true, delaySeconds: 0 };
  }

  // Legacy rows (user_likes, user_room_refs, events, comments) from before issue 17. Events are
  // anonymised rather than deleted, as they always were: their ids and counts stay history.
  const purge = [
    db.delete(userLikes).where(eq(userLikes.userId, userId)),
    db.delete(userRoomRefs).where(eq(userRoomRefs.userId, userId)),
    db.update(events).set({ userId: null }).where(eq(events.userId, userId)),
    // The archive's copy of comments: the rooms and R2 pages tombstone their own.
    db
      .update(comments)
      .set({ authorId: null, authorName: ERASED_AUTHOR_NAME, text: "", mentions: "[]", deletedAt: sql`COALESCE(${comments.deletedAt}, ${now})` })
      .where(eq(comments.authorId, userId)),
    db.delete(deadLetters).where(eq(deadLetters.userId, userId)),
  ].map((query) => d1Statement(env.DB, query));
  // Dead-lettered batches carry other users' events too: only the user's own leave them. In the
  // same transaction as the completion, which a dead letter recorded later then sees.
  await env.DB.batch([
    ...purge,
    ...eraseUserFromDeadLetters(env.DB, userId),
    d1Statement(
      env.DB,
      db
        .update(deletionReceipts)
        .set({ status: "completed", userId: null, completedAt: now, updatedAt: now })
        .where(eq(deletionReceipts.id, receiptId)),
    ),
  ]);
  logEvent("deletion_completed", { receiptId });
  return { next: false };
}

/**
 * Puts back to work (1) targets the user's object now names that the receipt did not list yet,
 * and (2) listed targets the user wrote to again at or after their visit (`done_at` is taken
 * before a room is called, so any write the visit could have missed is at or after it).
 * A user who keeps writing during the deletion keeps it going; it completes after a sweep,
 * a settle delay after the last visits, that finds nothing.
 */
async function targetsToVisit(
  env: AppEnv,
  receiptId: string,
  userId: string,
  startedAt: number,
): Promise<{ added: number; reopened: number; revision: number }> {
  const db = drizzle(env.DB);
  const { targets: found, revision } = await touchedTargets(env, userId);
  let added = 0;
  for (let i = 0; i < found.length; i += TARGETS_PER_INSERT) {
    const rows = found.slice(i, i + TARGETS_PER_INSERT).map((target) => ({ receiptId, target, doneAt: null }));
    added += (await db.insert(deletionTargets).values(rows).onConflictDoNothing().returning({ target: deletionTargets.target })).length;
  }
  const written = await roomsWrittenSince(env, userId, startedAt - CLOCK_SKEW_MS);
  let reopened = 0;
  for (let i = 0; i < written.length; i += REOPENS_PER_BATCH) {
    const reopen = written.slice(i, i + REOPENS_PER_BATCH).map(({ target, lastAt }) =>
      db
        .update(deletionTargets)
        .set({ doneAt: null })
        .where(
          and(
            eq(deletionTargets.receiptId, receiptId),
            eq(deletionTargets.target, target),
            isNotNull(deletionTargets.doneAt),
            lte(deletionTargets.doneAt, lastAt + CLOCK_SKEW_MS),
          ),
        )
        .returning({ target: deletionTargets.target }),
    );
    const [first, ...rest] = reopen;
    if (first) reopened += (await db.batch([first, ...rest])).reduce((n, rows) => n + rows.length, 0);
  }
  return { added, reopened, revision };
}
