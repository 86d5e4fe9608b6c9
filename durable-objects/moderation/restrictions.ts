import type { Restriction } from "../../protocol/moderation";

/** Room schema step (room-migrations.ts): the users this room shadow-hides. */
export const RESTRICTIONS_TABLE = `CREATE TABLE restrictions (user_id TEXT PRIMARY KEY, reason TEXT, by TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX restrictions_by_time ON restrictions (created_at, user_id);`;

type RestrictionRow = { user_id: string; reason: string | null; by: string; created_at: number };
type Cursor = { createdAt: number; userId: string };

/**
 * Restricted users (docs/moderation.md "Restrictions"): their new comments are kept like held
 * comments and reach only themselves and the moderators. Every method runs inside the
 * caller's transaction.
 */
export class Restrictions {
  constructor(private readonly sql: SqlStorage) {}

  has(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM restrictions WHERE user_id = ?", userId).toArray().length > 0;
  }

  /** A second restriction of the same user keeps the first one's time and replaces the reason. */
  add(userId: string, reason: string | null, by: string, now: number): Restriction {
    this.sql.exec(
      `INSERT INTO restrictions (user_id, reason, by, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason, by = excluded.by`,
      userId,
      reason,
      by,
      now,
    );
    const row = this.sql.exec<RestrictionRow>("SELECT * FROM restrictions WHERE user_id = ?", userId).one();
    return toRestriction(row);
  }

  remove(userId: string): boolean {
    return this.sql.exec("DELETE FROM restrictions WHERE user_id = ?", userId).rowsWritten > 0;
  }

  /** Newest first, like the bans list. */
  page(before: Cursor | undefined, limit: number): { restrictions: Restriction[]; nextBefore: Cursor | null } {
    const rows = this.sql
      .exec<RestrictionRow>(
        before === undefined
          ? "SELECT * FROM restrictions ORDER BY created_at DESC, user_id LIMIT ?"
          : "SELECT * FROM restrictions WHERE created_at < ? OR (created_at = ? AND user_id > ?) ORDER BY created_at DESC, user_id LIMIT ?",
        ...(before === undefined ? [limit + 1] : [before.createdAt, before.createdAt, before.userId, limit + 1]),
      )
      .toArray();
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { restrictions: rows.slice(0, limit).map(toRestriction), nextBefore: last === undefined ? null : { createdAt: last.created_at, userId: last.user_id } };
  }
}

function toRestriction(row: RestrictionRow): Restriction {
  return { userId: row.user_id, reason: row.reason, by: row.by, createdAt: new Date(row.created_at).toISOString() };
}
