import { matchKey } from "../../protocol/text";

/** Unique chat's window: no one may post what anyone posted this recently. */
export const UNIQUE_CHAT_WINDOW_MS = 30_000;

/**
 * The match keys of the room's comments of the last 30 s, with their latest time. Read from the
 * comments themselves (so it survives an eviction) and incrementally: comment ids sort by time,
 * so each check reads only the comments stored since the last one, and a busy room pays one
 * row read per comment, not a scan of the whole window per comment.
 */
export class UniqueChatWindow {
  /** Kept in time order (a key seen again moves to the end), so pruning stops at the first fresh entry. */
  private readonly latest = new Map<string, number>();
  /** The newest comment id already read; "" reads the window from storage. */
  private readThrough = "";

  constructor(private readonly sql: SqlStorage) {}

  seen(key: string, now: number): boolean {
    this.catchUp(now);
    const at = this.latest.get(key);
    return at !== undefined && at > now - UNIQUE_CHAT_WINDOW_MS;
  }

  reset(): void {
    this.latest.clear();
    this.readThrough = "";
  }

  private catchUp(now: number): void {
    const since = now - UNIQUE_CHAT_WINDOW_MS;
    for (const [key, at] of this.latest) {
      if (at > since) break;
      this.latest.delete(key);
    }
    // Ids begin with the creation time in base 36, padded to 9 characters (comment-id.ts).
    const floor = this.readThrough === "" ? Math.max(0, since).toString(36).padStart(9, "0") : this.readThrough;
    const rows = this.sql.exec<{ id: string; text: string; created_at: number }>(
      "SELECT id, text, created_at FROM comments WHERE id > ? AND deleted_at IS NULL ORDER BY id",
      floor,
    );
    for (const row of rows) {
      this.readThrough = row.id;
      if (row.created_at <= since) continue;
      const key = matchKey(row.text).key;
      const at = Math.max(this.latest.get(key) ?? 0, row.created_at);
      this.latest.delete(key);
      this.latest.set(key, at);
    }
  }
}
