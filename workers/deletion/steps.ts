import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { comments, deadLetters, deletionReceipts, deletionTargets, events, userLikes, userRoomRefs } from "../db/schema";
import { ERASED_AUTHOR_NAME } from "../../protocol/comments";
import type { AppEnv } from "../env";
import { logEvent } from "../log";
import { roomFor } from "../rooms";
import { DELETION_SETTLE_SECONDS } from "./start";
import { touchedTargets } from "./touched-targets";

/** Rooms visited in parallel by one step; keeps a step well inside a consumer's time limit. */
export const TARGETS_PER_STEP = 25;
const TARGETS_PER_INSERT = 33;

/** What the consumer does after a step: queue the next one after `delaySeconds`, or stop. */
export type StepOutcome = { next: true; delaySeconds: number } | { next: false };

/**
 * One step of a deletion. Every step is idempotent (a room forgets an absent user as a
 * no-op, marking a target done twice changes nothing), so a retried or duplicated step is
 * harmless. The phases:
 * 1. visit up to TARGETS_PER_STEP unvisited targets: each room forgets the user;
 * 2. when none are left, look at D1 again for targets that appeared since (late
 *    checkpoints); new ones go back to phase 1;
 * 3. otherwise purge D1 in one transaction (user_likes, events, comments, dead letters) and complete
 *    the receipt, dropping its user id.
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
    // After the last rooms, wait for their checkpoints and outboxes before looking again.
    return { next: true, delaySeconds: more ? 0 : DELETION_SETTLE_SECONDS };
  }

  const found = await touchedTargets(env.DB, userId);
  const added: string[] = [];
  for (let i = 0; i < found.length; i += TARGETS_PER_INSERT) {
    const rows = found.slice(i, i + TARGETS_PER_INSERT).map((target) => ({ receiptId, target, doneAt: null }));
    const inserted = await db.insert(deletionTargets).values(rows).onConflictDoNothing().returning({ target: deletionTargets.target });
    added.push(...inserted.map((row) => row.target));
  }
  if (added.length > 0) {
    await db
      .update(deletionReceipts)
      .set({
        targetsTotal: sql`(SELECT COUNT(*) FROM deletion_targets WHERE receipt_id = ${receiptId})`,
        updatedAt: now,
      })
      .where(eq(deletionReceipts.id, receiptId));
    logEvent("deletion_found_more", { receiptId, targets: added.length });
    return { next: true, delaySeconds: 0 };
  }

  // The user's own object (quotas across rooms: the targets their writes created) goes too.
  await env.USER_STATE.get(env.USER_STATE.idFromName(userId)).forget();

  // Events are anonymised rather than deleted: the row keeps its event id, so a late
  // redelivery of the same event is still recognised as a duplicate and not counted again.
  const purge: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [
    db.delete(userLikes).where(eq(userLikes.userId, userId)),
    db.delete(userRoomRefs).where(eq(userRoomRefs.userId, userId)),
    db.update(events).set({ userId: null }).where(eq(events.userId, userId)),
    // The rooms already tombstoned these; this catches a row a late checkpoint wrote back.
    db
      .update(comments)
      .set({ authorId: null, authorName: ERASED_AUTHOR_NAME, text: "", mentions: "[]", deletedAt: sql`COALESCE(${comments.deletedAt}, ${now})` })
      .where(eq(comments.authorId, userId)),
    db.delete(deadLetters).where(eq(deadLetters.userId, userId)),
    db
      .update(deletionReceipts)
      .set({ status: "completed", userId: null, completedAt: now, updatedAt: now })
      .where(eq(deletionReceipts.id, receiptId)),
  ];
  await db.batch(purge);
  logEvent("deletion_completed", { receiptId });
  return { next: false };
}
