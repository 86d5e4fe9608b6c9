import type { ModLogAction, ModLogEntry } from "../../protocol/moderation";
import type { ModLogPage } from "../../protocol/internal/moderation-rpc";
import type { ChangeLog } from "../write-path/change-log";
import type { RoomSeq } from "../room-seq";
import { setInEventArrays } from "../event-array-rows";

/** Room schema step (room-migrations.ts). `id` grows with each entry: newest first is `ORDER BY id DESC`. */
export const MOD_LOG_TABLE = `CREATE TABLE mod_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, moderator_id TEXT NOT NULL, action TEXT NOT NULL, user_id TEXT, comment_id TEXT, reason TEXT, detail TEXT);`;

/**
 * Retention: a room keeps its newest 1,000 entries. A row is a few hundred bytes at most
 * (a 300-character reason is the largest part), so the log stays under a megabyte however
 * busy the room, and a year of a quiet room's actions fits.
 */
export const MOD_LOG_MAX_ROWS = 1_000;

export interface ModLogRecord {
  moderatorId: string;
  action: ModLogAction;
  at: number;
  userId?: string | null;
  commentId?: string | null;
  reason?: string | null;
  detail?: string | null;
}

type ModLogRow = {
  id: number;
  at: number;
  moderator_id: string;
  action: ModLogAction;
  user_id: string | null;
  comment_id: string | null;
  reason: string | null;
  detail: string | null;
};

/**
 * Who did what to whom in a room, for its moderators (docs/moderation.md "Mod log"). Written
 * inside the action's own transaction, so an action and its entry exist together or not at
 * all. It names comments by id only: a removed comment's text is never copied here. Each
 * entry is also a live `modlog` event, with its own seq, that only moderators are sent.
 */
export class ModLog {
  constructor(
    private readonly sql: SqlStorage,
    private readonly seq: RoomSeq,
  ) {}

  /** Call inside the action's write transaction, after the action's own events. */
  record(log: ChangeLog, entry: ModLogRecord): void {
    const row = this.sql
      .exec<ModLogRow>(
        "INSERT INTO mod_log (at, moderator_id, action, user_id, comment_id, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
      entry.at,
      entry.moderatorId,
      entry.action,
      entry.userId ?? null,
      entry.commentId ?? null,
      entry.reason ?? null,
      entry.detail ?? null,
      )
      .one();
    log.emit(this.seq.next(), entry.at, { kind: "modlog", entry: toEntry(row) }, "moderators");
    this.sql.exec("DELETE FROM mod_log WHERE id <= (SELECT id FROM mod_log ORDER BY id DESC LIMIT 1 OFFSET ?)", MOD_LOG_MAX_ROWS);
  }

  /** Newest first, `limit` per page, continuing below `before` (an entry id). */
  page(before: number | undefined, limit: number): ModLogPage {
    const rows = this.sql
      .exec<ModLogRow>(
        before === undefined ? "SELECT * FROM mod_log ORDER BY id DESC LIMIT ?" : "SELECT * FROM mod_log WHERE id < ? ORDER BY id DESC LIMIT ?",
        ...(before === undefined ? [limit + 1] : [before, limit + 1]),
      )
      .toArray();
    const entries = rows.slice(0, limit).map(toEntry);
    return { entries, nextBefore: rows.length > limit ? (entries.at(-1)?.id ?? null) : null };
  }
}

/**
 * Erasure: the user's entries stay (the actions happened) but no longer name them, and a
 * reason written about them goes too, since it may describe them. The same goes for the
 * entries' `modlog` events still in the replay ring (relays never hold them).
 */
export function forgetModLogUser(sql: SqlStorage, userId: string, placeholder: string): void {
  sql.exec("UPDATE mod_log SET moderator_id = ? WHERE moderator_id = ?", placeholder, userId);
  sql.exec("UPDATE mod_log SET user_id = ?, reason = NULL WHERE user_id = ?", placeholder, userId);
  const ring = { table: "live_events", element: "[2]" } as const;
  const name = JSON.stringify(placeholder);
  setInEventArrays(sql, ring, { path: "$.entry.moderator", equals: userId }, [["$.entry.moderator", name]]);
  setInEventArrays(sql, ring, { path: "$.entry.userId", equals: userId }, [["$.entry.userId", name], ["$.entry.reason", "null"]]);
}

function toEntry(row: ModLogRow): ModLogEntry {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    moderator: row.moderator_id,
    action: row.action,
    userId: row.user_id,
    commentId: row.comment_id,
    reason: row.reason,
    detail: row.detail,
  };
}
