import type { Restriction } from "../../protocol/moderation";

/** Room schema step (room-migrations.ts): the users this room shadow-hides. */
export const RESTRICTIONS_TABLE = `CREATE TABLE restrictions (user_id TEXT PRIMARY KEY, reason TEXT, by TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX restrictions_by_time ON restrictions (created_at, user_id);
CREATE TABLE erased_restrictions (subject_key TEXT PRIMARY KEY, created_at INTEGER NOT NULL) WITHOUT ROWID;`;

/** Keys computed for users about to write (prepare), so the check inside the transaction stays synchronous. */
const MAX_KNOWN_KEYS = 1_000;

type RestrictionRow = { user_id: string; reason: string | null; by: string; created_at: number };
type Cursor = { createdAt: number; userId: string };

/**
 * Restricted users (docs/moderation.md "Restrictions"): their new comments are kept like held
 * comments and reach only themselves and the moderators. Every method runs inside the
 * caller's transaction.
 */
export class Restrictions {
  private readonly knownKeys = new Map<string, string>();
  /** Whether erased_restrictions holds a row; null until read. */
  private anyErased: boolean | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /**
   * Before a comment's transaction: a room that keeps restrictions of erased users needs the
   * writer's keyed hash (one HMAC); other rooms pay nothing.
   */
  async prepare(userId: string, keyOf: (userId: string) => Promise<string | null>): Promise<void> {
    if (this.anyErased === null) this.anyErased = this.sql.exec("SELECT 1 FROM erased_restrictions LIMIT 1").toArray().length > 0;
    if (!this.anyErased || this.knownKeys.has(userId)) return;
    const key = await keyOf(userId);
    if (key === null) return;
    if (this.knownKeys.size >= MAX_KNOWN_KEYS) this.knownKeys.clear();
    this.knownKeys.set(userId, key);
  }

  has(userId: string): boolean {
    if (this.sql.exec("SELECT 1 FROM restrictions WHERE user_id = ?", userId).toArray().length > 0) return true;
    const key = this.knownKeys.get(userId);
    return key !== undefined && this.sql.exec("SELECT 1 FROM erased_restrictions WHERE subject_key = ?", key).toArray().length > 0;
  }

  /**
   * Erasure (room/user-data-rpc.ts): the restriction outlives the id, kept under `key` (the
   * keyed hash erased bans use) with its time and nothing else; without a key it goes with
   * the id. Restrictions the user placed no longer say who placed them.
   */
  forget(userId: string, key: string | null, forgotten: string): void {
    const row = this.sql.exec<RestrictionRow>("SELECT * FROM restrictions WHERE user_id = ?", userId).toArray()[0];
    if (row !== undefined && key !== null) {
      this.sql.exec("INSERT OR REPLACE INTO erased_restrictions (subject_key, created_at) VALUES (?, ?)", key, row.created_at);
      this.anyErased = true;
    }
    this.sql.exec("DELETE FROM restrictions WHERE user_id = ?", userId);
    this.sql.exec("UPDATE restrictions SET by = ? WHERE by = ?", forgotten, userId);
  }

  /** A moderator who knows the id lifts an erased user's restriction like any other. */
  removeErased(key: string | null): boolean {
    if (key === null) return false;
    this.anyErased = null;
    return this.sql.exec("DELETE FROM erased_restrictions WHERE subject_key = ?", key).rowsWritten > 0;
  }

  /** After a rolled-back transaction. */
  invalidate(): void {
    this.anyErased = null;
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
