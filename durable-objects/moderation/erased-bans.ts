import type { RoomError } from "../../protocol/internal/room-rpc";
import { keyedSubject } from "../../platform/subject-hash";

export const ERASED_BANS_TABLE = `
  CREATE TABLE erased_bans (subject_key TEXT PRIMARY KEY, until INTEGER, created_at INTEGER NOT NULL) WITHOUT ROWID;`;

/**
 * Bans and timeouts of users who were erased. Erasure removes the user's id from the room, but
 * must not lift a ban: the same account coming back would be welcome again. So the ban stays
 * under a keyed hash of (room, user) with its end and nothing else (no reason, no moderator: free
 * text may name the person). It cannot be listed (there is no id to show); a moderator who knows
 * the id lifts it like any ban, and a timeout ends by itself.
 */
export class ErasedBans {
  /** Whether the table holds a ban that may still apply; null until read. */
  private any: boolean | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly secret: string | null,
    private readonly target: () => string,
  ) {}

  /** The key a ban of `userId` is kept under here; null without SUBJECT_KEY_SECRET. */
  keyOf(userId: string): Promise<string | null> {
    return this.secret === null ? Promise.resolve(null) : keyedSubject(this.secret, `banned-subject\u0000${this.target()}`, userId);
  }

  /** Inside the erasure's transaction, with the key computed before it. */
  keep(key: string, until: number | null, now: number): void {
    this.sql.exec(
      `INSERT INTO erased_bans (subject_key, until, created_at) VALUES (?, ?, ?)
       ON CONFLICT (subject_key) DO UPDATE SET until = excluded.until, created_at = excluded.created_at`,
      key,
      until,
      now,
    );
    this.any = true;
  }

  /** Inside a lift's transaction; true when a ban in force was removed. */
  lift(key: string | null, now: number): boolean {
    if (key === null) return false;
    const removed = this.sql.exec("DELETE FROM erased_bans WHERE subject_key = ? AND (until IS NULL OR until > ?)", key, now).rowsWritten > 0;
    this.any = null;
    return removed;
  }

  /**
   * Before a comment or reaction: the refusal a banned user gets, for an erased ban of this
   * user. Costs one HMAC only in a room that holds erased bans; other rooms pay nothing.
   */
  async check(userId: string, now: number): Promise<RoomError | null> {
    if (!this.holdsAny(now)) return null;
    const key = await this.keyOf(userId);
    if (key === null) return null;
    const row = this.sql.exec<{ until: number | null }>("SELECT until FROM erased_bans WHERE subject_key = ?", key).toArray()[0];
    if (row === undefined || (row.until !== null && row.until <= now)) return null;
    const message = row.until === null ? "you are banned from this room" : `you are timed out in this room until ${new Date(row.until).toISOString()}`;
    return { status: 403, code: "banned", message };
  }

  /** After a rolled-back transaction. */
  invalidate(): void {
    this.any = null;
  }

  private holdsAny(now: number): boolean {
    if (this.any === null) {
      this.sql.exec("DELETE FROM erased_bans WHERE until IS NOT NULL AND until <= ?", now);
      this.any = this.sql.exec("SELECT 1 FROM erased_bans LIMIT 1").toArray().length > 0;
    }
    return this.any;
  }
}
