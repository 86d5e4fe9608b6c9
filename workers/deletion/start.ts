import { drizzle } from "drizzle-orm/d1";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { DeletionReceiptResponse } from "../../protocol/deletion";
import { deletionReceipts, deletionTargets } from "../../platform/db/schema";
import type { AppEnv } from "../../platform/env";
import { logEvent } from "../../platform/log";
import { subjectKey, subjectKeySecret } from "../subject-key";
import { receiptView } from "./receipts";
import { touchedTargets } from "./touched-targets";

/** Three bound columns per deletion_targets row. */
const TARGETS_PER_INSERT = 33;
/**
 * The first step waits this long so likes made just before the request have reached the user's
 * own object (outbox 0.25 s + queue batching 1 s) and are found when the step looks for the
 * user's targets again.
 */
export const DELETION_SETTLE_SECONDS = 2;

/**
 * Records a deletion receipt listing the targets the user's own object names, then queues its
 * first step. Asking again while a deletion is unfinished returns that same receipt.
 */
export async function startDeletion(env: AppEnv, userId: string): Promise<DeletionReceiptResponse> {
  const db = drizzle(env.DB);
  const key = await subjectKey(subjectKeySecret(env), userId);
  const [unfinished] = await db
    .select()
    .from(deletionReceipts)
    .where(and(eq(deletionReceipts.subjectKey, key), eq(deletionReceipts.status, "pending")))
    .limit(1);
  if (unfinished) return receiptView(unfinished);

  const now = Date.now();
  const { targets } = await touchedTargets(env, userId);
  const receipt = {
    id: crypto.randomUUID(),
    subjectKey: key,
    userId,
    status: "pending",
    targetsTotal: targets.length,
    targetsDone: 0,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
  } satisfies typeof deletionReceipts.$inferInsert;
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < targets.length; i += TARGETS_PER_INSERT) {
    const rows = targets.slice(i, i + TARGETS_PER_INSERT).map((target) => ({ receiptId: receipt.id, target, doneAt: null }));
    statements.push(db.insert(deletionTargets).values(rows).onConflictDoNothing());
  }
  await db.batch([db.insert(deletionReceipts).values(receipt), ...statements]);

  // The receipt is durable; if this send fails the cron finds the receipt stalled and
  // queues it then (resume.ts), so the caller still gets its 202.
  try {
    await env.DELETIONS.send({ receiptId: receipt.id }, { delaySeconds: DELETION_SETTLE_SECONDS });
  } catch (error) {
    logEvent("deletion_enqueue_failed", { receiptId: receipt.id, error: String(error) });
  }
  logEvent("deletion_started", { receiptId: receipt.id, targets: targets.length });
  return receiptView(receipt);
}
