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
  const statements = userLikeStatements(db, pending.latest, state.target, now);
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
  const [first, ...rest] = userLikeStatements(db, pending.latest, target, Date.now());
  if (first === undefined) return forgetCopied(roomSql, pending);
  await db.batch([first, ...rest]);
  return forgetCopied(roomSql, pending);
}

/**
 * Like changes D1 has not heard of, appended one row per change by seq (likes-ledger.ts): no
 * per-user row to update and no second index on every like. A user may appear more than once;
 * the checkpoint keeps their latest. Rooms and shards convert the per-user shape they had.
 */
export const D1_PENDING_MIGRATION = `
  ALTER TABLE d1_pending RENAME TO d1_pending_by_user;
  DROP INDEX d1_pending_by_seq;
  CREATE TABLE d1_pending (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, liked_at INTEGER);
  INSERT INTO d1_pending (seq, user_id, liked_at) SELECT seq, user_id, liked_at FROM d1_pending_by_user;
  DROP TABLE d1_pending_by_user;`;

interface PendingRead {
  /** Each user's latest row among those read, in seq order. */
  latest: PendingRow[];
  /** The last seq read: everything up to it is copied once the batch lands. */
  throughSeq: number | undefined;
  full: boolean;
}

/**
 * The oldest pending rows, each user's latest kept. Rows beyond this run's limit are newer
 * and land in a later run, after these, so D1 still ends on every user's last state.
 */
function readPending(roomSql: SqlStorage): PendingRead {
  const rows = roomSql
    .exec<PendingRow>("SELECT seq, user_id, liked_at FROM d1_pending ORDER BY seq LIMIT ?", CHECKPOINT_ROWS_PER_RUN)
    .toArray();
  const latest = new Map<string, PendingRow>();
  for (const row of rows) {
    latest.delete(row.user_id);
    latest.set(row.user_id, row);
  }
  return { latest: [...latest.values()], throughSeq: rows.at(-1)?.seq, full: rows.length === CHECKPOINT_ROWS_PER_RUN };
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
function forgetCopied(roomSql: SqlStorage, pending: PendingRead): { written: number; more: boolean } {
  if (pending.throughSeq !== undefined) roomSql.exec("DELETE FROM d1_pending WHERE seq <= ?", pending.throughSeq);
  return { written: pending.latest.length, more: pending.full };
}
