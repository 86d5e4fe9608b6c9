import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray } from "drizzle-orm";
import { deletionReceipts } from "../../platform/db/schema";
import { subjectKeys } from "../subject-key";

/** D1 binds at most 100 parameters per statement; one is the status. */
const KEYS_PER_QUERY = 99;

/**
 * The users among `userIds` whose deletion completed, found by their subject key (receipts
 * keep no user id once completed). Reconciliation asks before it copies a room's likers into
 * D1, so a like such a user still has in some room is erased there, never copied back.
 */
export async function forgottenAmong(d1: D1Database, secret: string, userIds: readonly string[]): Promise<Set<string>> {
  const keys = await subjectKeys(secret, userIds);
  const byKey = new Map([...keys].map(([userId, key]) => [key, userId]));
  const allKeys = [...byKey.keys()];
  const forgotten = new Set<string>();
  for (let i = 0; i < allKeys.length; i += KEYS_PER_QUERY) {
    const rows = await drizzle(d1)
      .selectDistinct({ key: deletionReceipts.subjectKey })
      .from(deletionReceipts)
      .where(and(eq(deletionReceipts.status, "completed"), inArray(deletionReceipts.subjectKey, allKeys.slice(i, i + KEYS_PER_QUERY))));
    for (const { key } of rows) forgotten.add(byKey.get(key)!);
  }
  return forgotten;
}
