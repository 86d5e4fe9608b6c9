import { drizzle } from "drizzle-orm/d1";
import { and, eq } from "drizzle-orm";
import { DeletionStatus, type DeletionReceiptResponse } from "../../protocol/deletion";
import { deletionReceipts } from "../../platform/db/schema";

export type ReceiptRow = typeof deletionReceipts.$inferSelect;

export function receiptView(row: ReceiptRow): DeletionReceiptResponse {
  return {
    receiptId: row.id,
    status: DeletionStatus.parse(row.status),
    targetsTotal: row.targetsTotal,
    targetsDone: row.targetsDone,
    createdAt: new Date(row.createdAt).toISOString(),
    completedAt: row.completedAt === null ? null : new Date(row.completedAt).toISOString(),
  };
}

/** A receipt is only ever shown to the user it belongs to, found by their subject key. */
export async function findOwnReceipt(d1: D1Database, id: string, key: string): Promise<ReceiptRow | undefined> {
  const [row] = await drizzle(d1)
    .select()
    .from(deletionReceipts)
    .where(and(eq(deletionReceipts.id, id), eq(deletionReceipts.subjectKey, key)))
    .limit(1);
  return row;
}
