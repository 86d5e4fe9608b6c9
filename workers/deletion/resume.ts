import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray, lt } from "drizzle-orm";
import { deletionReceipts } from "../../platform/db/schema";
import type { AppEnv } from "../../platform/env";
import { logEvent } from "../../platform/log";

/** A pending receipt with no step for this long lost its chain (e.g. retries exhausted). */
export const DELETION_STALL_MS = 10 * 60_000;
const RESUMES_PER_RUN = 100;

/** Run by the cron: queues a step for every stalled deletion so each one eventually completes. */
export async function resumeStalledDeletions(env: AppEnv, now = Date.now()): Promise<number> {
  const db = drizzle(env.DB);
  const stalled = await db
    .select({ id: deletionReceipts.id })
    .from(deletionReceipts)
    .where(and(eq(deletionReceipts.status, "pending"), lt(deletionReceipts.updatedAt, now - DELETION_STALL_MS)))
    .limit(RESUMES_PER_RUN);
  if (stalled.length === 0) return 0;
  await env.DELETIONS.sendBatch(stalled.map(({ id }) => ({ body: { receiptId: id }, contentType: "json" as const })));
  await db
    .update(deletionReceipts)
    .set({ updatedAt: now })
    .where(inArray(deletionReceipts.id, stalled.map(({ id }) => id)));
  logEvent("deletions_resumed", { receipts: stalled.length });
  return stalled.length;
}
