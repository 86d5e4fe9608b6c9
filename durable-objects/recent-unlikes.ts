import type { LikeTruthEntry } from "../protocol/internal/like-truth";

/**
 * Users who unliked at this holder (a room or a like shard) within its last
 * RECENT_UNLIKES_SEQ_SPAN changes: the one trace of an unlike after its outbox row shipped.
 * Reconciliation (workers/user-index-repair.ts) asks these users' own indexes whether they
 * still say "liked": an unlike lost between the outbox and the user's object would otherwise
 * never be found without scanning every user. One row per user (a repeat unlike moves it); every
 * unlike takes a seq, so the table holds about the span's worth of rows at most (one batch more):
 * bounded, not per write.
 */
export const RECENT_UNLIKES_TABLE = `
  CREATE TABLE recent_unlikes (user_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX recent_unlikes_by_seq ON recent_unlikes (seq);`;

/** About a busy hour of one holder's changes; older unlikes were there for earlier runs to check. */
export const RECENT_UNLIKES_SEQ_SPAN = 10_000;

/**
 * Inside the unlikes' own transaction: one upsert, and a trim by seq along its index that
 * touches only the rows it drops. `seq` is the batch's last.
 */
export function noteUnlikes(sql: SqlStorage, userIds: readonly string[], seq: number, at: number): void {
  if (userIds.length === 0) return;
  sql.exec(
    // `WHERE true`: without it SQLite reads ON CONFLICT as a join constraint.
    `INSERT INTO recent_unlikes (user_id, seq, at) SELECT value, ?, ? FROM json_each(?) WHERE true
     ON CONFLICT (user_id) DO UPDATE SET seq = excluded.seq, at = excluded.at`,
    seq,
    at,
    JSON.stringify(userIds),
  );
  sql.exec("DELETE FROM recent_unlikes WHERE seq <= ?", seq - RECENT_UNLIKES_SEQ_SPAN);
}

/** Part of a user's erasure: the row names them. `before`: only an unlike up to that instant. */
export function forgetRecentUnlike(sql: SqlStorage, userId: string, before: number = Number.MAX_SAFE_INTEGER): void {
  sql.exec("DELETE FROM recent_unlikes WHERE user_id = ? AND at <= ?", userId, before);
}

/**
 * One page of the holder's likers and recent unlikers, in user id order. A compound SELECT
 * ordered by its first column is merged from the two primary keys, and LIMIT stops the merge,
 * so a page costs its own rows, not the rest of the table.
 */
export function readLikeTruth(sql: SqlStorage, afterUserId: string | null, limit: number): { entries: LikeTruthEntry[]; nextAfter: string | null } {
  const rows = sql
    .exec<{ user_id: string; liked_at: number | null }>(
      `SELECT user_id, liked_at FROM likes WHERE user_id > ?1
       UNION ALL
       SELECT user_id, NULL AS liked_at FROM recent_unlikes AS r
         WHERE user_id > ?1 AND NOT EXISTS (SELECT 1 FROM likes AS l WHERE l.user_id = r.user_id)
       ORDER BY 1 LIMIT ?2`,
      afterUserId ?? "",
      limit,
    )
    .toArray();
  return {
    entries: rows.map((row) => ({ userId: row.user_id, liked: row.liked_at !== null, likedAt: row.liked_at })),
    nextAfter: rows.length === limit ? (rows.at(-1)?.user_id ?? null) : null,
  };
}
