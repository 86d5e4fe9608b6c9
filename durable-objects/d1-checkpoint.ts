import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
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
  const pending = readPending(roomSql);
  const db = drizzle(d1);
  const now = Date.now();
  const statements = userLikeStatements(db, pending, state.target, now);
  const countUpsert = db
    .insert(targetCounts)
    .values({ target: state.target, likes: state.likes, seq: state.seq, updatedAt: now })
    .onConflictDoUpdate({
      target: targetCounts.target,
      set: { likes: dsql`excluded.likes`, seq: dsql`excluded.seq`, updatedAt: dsql`excluded.updated_at` },
      setWhere: dsql`excluded.seq >= ${targetCounts.seq}`,
    });

  await db.batch([countUpsert, ...statements]);

  return forgetCopied(roomSql, pending);
}

/**
 * The like rows only, for a shard of a sharded target (durable-objects/shards/): its users'
 * `user_likes` rows are its own to write, while `target_counts` is the room's (the sum).
 */
export async function checkpointUserLikesToD1(
  d1: D1Database,
  roomSql: SqlStorage,
  target: string,
): Promise<{ written: number; more: boolean }> {
  const pending = readPending(roomSql);
  const db = drizzle(d1);
  const [first, ...rest] = userLikeStatements(db, pending, target, Date.now());
  if (first === undefined) return { written: 0, more: false };
  await db.batch([first, ...rest]);
  return forgetCopied(roomSql, pending);
}

function readPending(roomSql: SqlStorage): PendingRow[] {
  return roomSql
    .exec<PendingRow>("SELECT user_id, liked_at, seq FROM d1_pending ORDER BY seq LIMIT ?", CHECKPOINT_ROWS_PER_RUN)
    .toArray();
}

function userLikeStatements(db: DrizzleD1Database, pending: readonly PendingRow[], target: string, now: number): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  const liked = pending.filter((row) => row.liked_at !== null);
  for (let i = 0; i < liked.length; i += USER_LIKE_ROWS_PER_INSERT) {
    const chunk = liked.slice(i, i + USER_LIKE_ROWS_PER_INSERT);
    statements.push(
      db
        .insert(userLikes)
        .values(chunk.map((row) => ({ userId: row.user_id, target, likedAt: row.liked_at ?? now })))
        .onConflictDoUpdate({ target: [userLikes.userId, userLikes.target], set: { likedAt: dsql`excluded.liked_at` } }),
    );
  }
  const removed = pending.filter((row) => row.liked_at === null).map((row) => row.user_id);
  for (let i = 0; i < removed.length; i += USER_IDS_PER_DELETE) {
    const chunk = removed.slice(i, i + USER_IDS_PER_DELETE);
    statements.push(db.delete(userLikes).where(and(eq(userLikes.target, target), inArray(userLikes.userId, chunk))));
  }
  return statements;
}

/** Forgets only the pending rows copied: a user who changed again meanwhile has a newer seq. */
function forgetCopied(roomSql: SqlStorage, pending: readonly PendingRow[]): { written: number; more: boolean } {
  const lastSeq = pending.at(-1)?.seq;
  if (lastSeq !== undefined) roomSql.exec("DELETE FROM d1_pending WHERE seq <= ?", lastSeq);
  return { written: pending.length, more: pending.length === CHECKPOINT_ROWS_PER_RUN };
}
