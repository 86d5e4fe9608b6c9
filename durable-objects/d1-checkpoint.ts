import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray, sql as dsql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { targetCounts, userLikes } from "../workers/db/schema";

/** D1 (like local SQLite) binds at most 100 parameters per statement. */
const MAX_BOUND_PARAMS = 100;
const USER_LIKE_ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMS / 3);
const USER_IDS_PER_DELETE = MAX_BOUND_PARAMS - 1;
/** Bounds one checkpoint's D1 batch; a room with more pending rows comes straight back. */
export const CHECKPOINT_ROWS_PER_RUN = 2_000;

type PendingRow = {
  user_id: string;
  liked_at: number | null;
  seq: number;
};

export interface CheckpointState {
  target: string;
  likes: number;
  seq: number;
}

/**
 * Copies the changes since the last checkpoint into D1 in one batch (a D1 transaction),
 * then forgets only the pending rows it copied: a user who changed again while D1 was
 * answering has a newer seq and stays pending.
 */
export async function checkpointToD1(
  d1: D1Database,
  roomSql: SqlStorage,
  state: CheckpointState,
): Promise<{ written: number; more: boolean }> {
  const pending = roomSql
    .exec<PendingRow>("SELECT user_id, liked_at, seq FROM d1_pending ORDER BY seq LIMIT ?", CHECKPOINT_ROWS_PER_RUN)
    .toArray();
  const db = drizzle(d1);
  const now = Date.now();
  const statements: BatchItem<"sqlite">[] = [];

  const liked = pending.filter((row) => row.liked_at !== null);
  for (let i = 0; i < liked.length; i += USER_LIKE_ROWS_PER_INSERT) {
    const chunk = liked.slice(i, i + USER_LIKE_ROWS_PER_INSERT);
    statements.push(
      db
        .insert(userLikes)
        .values(chunk.map((row) => ({ userId: row.user_id, target: state.target, likedAt: row.liked_at ?? now })))
        .onConflictDoUpdate({ target: [userLikes.userId, userLikes.target], set: { likedAt: dsql`excluded.liked_at` } }),
    );
  }
  const removed = pending.filter((row) => row.liked_at === null).map((row) => row.user_id);
  for (let i = 0; i < removed.length; i += USER_IDS_PER_DELETE) {
    const chunk = removed.slice(i, i + USER_IDS_PER_DELETE);
    statements.push(db.delete(userLikes).where(and(eq(userLikes.target, state.target), inArray(userLikes.userId, chunk))));
  }
  const countUpsert = db
    .insert(targetCounts)
    .values({ target: state.target, likes: state.likes, seq: state.seq, updatedAt: now })
    .onConflictDoUpdate({
      target: targetCounts.target,
      set: { likes: dsql`excluded.likes`, seq: dsql`excluded.seq`, updatedAt: dsql`excluded.updated_at` },
      setWhere: dsql`excluded.seq >= ${targetCounts.seq}`,
    });

  await db.batch([countUpsert, ...statements]);

  const lastSeq = pending.at(-1)?.seq;
  if (lastSeq !== undefined) roomSql.exec("DELETE FROM d1_pending WHERE seq <= ?", lastSeq);
  return { written: pending.length, more: pending.length === CHECKPOINT_ROWS_PER_RUN };
}
