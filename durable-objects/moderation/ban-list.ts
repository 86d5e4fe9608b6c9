import { noteUserRef } from "./user-refs";
import type { Ban } from "../../protocol/moderation";

export interface ActiveBan {
  /** Null: banned until a moderator lifts it. */
  until: number | null;
  reason: string | null;
};

type BanRow = {
  user_id: string;
  until: number | null;
  reason: string | null;
  by: string;
  created_at: number;
}

/**
 * Bans and timeouts of one room. A timeout is a ban with an end: it stops applying when that
 * time passes, so nothing has to run to lift it; expired rows are dropped whenever the list
 * is written or read by moderators.
 */
export class BanList {
  constructor(private readonly sql: SqlStorage) {}

  active(userId: string, now: number): ActiveBan | null {
    const row = this.sql.exec<Pick<BanRow, "until" | "reason">>("SELECT until, reason FROM bans WHERE user_id = ?", userId).toArray()[0];
    if (row === undefined || (row.until !== null && row.until <= now)) return null;
    return { until: row.until, reason: row.reason };
  }

  /** Replaces any earlier ban of the user; call inside the write transaction. */
  ban(userId: string, until: number | null, reason: string | null, by: string, now: number): Ban {
    this.purgeExpired(now);
    noteUserRef(this.sql, userId);
    this.sql.exec(
      `INSERT INTO bans (user_id, until, reason, by, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, by = excluded.by, created_at = excluded.created_at`,
      userId,
      until,
      reason,
      by,
      now,
    );
    return toBan({ user_id: userId, until, reason, by, created_at: now });
  }

  /** True when an active ban was lifted (an expired timeout counts as already lifted). */
  lift(userId: string, now: number): boolean {
    const wasActive = this.active(userId, now) !== null;
    this.sql.exec("DELETE FROM bans WHERE user_id = ?", userId);
    this.purgeExpired(now);
    return wasActive;
  }

  /** Active bans, newest first. */
  list(now: number): Ban[] {
    this.purgeExpired(now);
    return this.sql
      .exec<BanRow>("SELECT user_id, until, reason, by, created_at FROM bans ORDER BY created_at DESC, user_id")
      .toArray()
      .map(toBan);
  }

  /** Active bans, newest first, `limit` per page, continuing after `before` (the last ban of the previous page). */
  page(now: number, before: { createdAt: number; userId: string } | undefined, limit: number): { bans: Ban[]; nextBefore: { createdAt: number; userId: string } | null } {
    this.purgeExpired(now);
    const rows = this.sql
      .exec<BanRow>(
        before === undefined
          ? "SELECT user_id, until, reason, by, created_at FROM bans ORDER BY created_at DESC, user_id LIMIT ?"
          : `SELECT user_id, until, reason, by, created_at FROM bans WHERE created_at < ? OR (created_at = ? AND user_id > ?)
             ORDER BY created_at DESC, user_id LIMIT ?`,
        ...(before === undefined ? [limit + 1] : [before.createdAt, before.createdAt, before.userId, limit + 1]),
      )
      .toArray();
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { bans: rows.slice(0, limit).map(toBan), nextBefore: last === undefined ? null : { createdAt: last.created_at, userId: last.user_id } };
  }

  purgeExpired(now: number): number {
    return this.sql.exec("DELETE FROM bans WHERE until IS NOT NULL AND until <= ?", now).rowsWritten;
  }
}

function toBan(row: BanRow): Ban {
  return {
    userId: row.user_id,
    until: row.until === null ? null : new Date(row.until).toISOString(),
    reason: row.reason,
    by: row.by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
