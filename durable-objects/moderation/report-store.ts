import { noteUserRef } from "./user-refs";
import { MAX_GROUP_REASONS, type Report } from "../../protocol/moderation";
import type { ReportGroupCursor, ReportGroupsPage, ReportsPage } from "../../protocol/internal/moderation-rpc";

type ReportRow = {
  id: string;
  comment_id: string;
  reporter_id: string;
  reason: string;
  created_at: number;
};

/** Time-sortable: newest-first paging walks the primary key and the last id is the cursor. */
export function newReportId(now: number): string {
  const random = crypto.getRandomValues(new Uint8Array(6));
  return now.toString(36).padStart(9, "0") + Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Users' reports of comments, for the room's moderators. One report per user per comment. */
export class ReportStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Visible comments only: a deleted or unknown comment has nothing left to report. */
  commentIsReportable(commentId: string): boolean {
    return this.sql.exec("SELECT 1 FROM comments WHERE id = ? AND deleted_at IS NULL", commentId).toArray().length > 0;
  }

  /** The existing report when this user already reported the comment; call inside the write transaction. */
  file(commentId: string, reporterId: string, reason: string, now: number): { created: boolean; report: Report } {
    const existing = this.sql
      .exec<ReportRow>("SELECT * FROM reports WHERE comment_id = ? AND reporter_id = ?", commentId, reporterId)
      .toArray()[0];
    if (existing) return { created: false, report: toReport(existing) };
    const row: ReportRow = { id: newReportId(now), comment_id: commentId, reporter_id: reporterId, reason, created_at: now };
    noteUserRef(this.sql, reporterId);
    this.sql.exec(
      "INSERT INTO reports (id, comment_id, reporter_id, reason, created_at) VALUES (?, ?, ?, ?, ?)",
      row.id,
      row.comment_id,
      row.reporter_id,
      row.reason,
      row.created_at,
    );
    return { created: true, report: toReport(row) };
  }

  /** Newest first, `limit` per page, continuing below `before` (a report id). */
  page(before: string | undefined, limit: number): ReportsPage {
    const rows = this.sql
      .exec<ReportRow>(
        before === undefined ? "SELECT * FROM reports ORDER BY id DESC LIMIT ?" : "SELECT * FROM reports WHERE id < ? ORDER BY id DESC LIMIT ?",
        ...(before === undefined ? [limit + 1] : [before, limit + 1]),
      )
      .toArray();
    const reports = rows.slice(0, limit).map(toReport);
    return { reports, nextBefore: rows.length > limit ? (reports.at(-1)?.id ?? null) : null };
  }

  /**
   * Open reports grouped by comment, the most recently reported first. Each page groups the
   * whole table: reports are closed as moderators resolve them, so the table stays small.
   */
  groups(before: ReportGroupCursor | undefined, limit: number): ReportGroupsPage {
    const rows = this.sql
      .exec<{ comment_id: string; n: number; first_at: number; last_at: number }>(
        `SELECT comment_id, COUNT(*) AS n, MIN(created_at) AS first_at, MAX(created_at) AS last_at FROM reports GROUP BY comment_id
         ${before === undefined ? "" : "HAVING last_at < ? OR (last_at = ? AND comment_id < ?)"}
         ORDER BY last_at DESC, comment_id DESC LIMIT ?`,
        ...(before === undefined ? [limit + 1] : [before.lastAt, before.lastAt, before.commentId, limit + 1]),
      )
      .toArray();
    const groups = rows.slice(0, limit).map((row) => ({
      commentId: row.comment_id,
      count: row.n,
      reasons: this.reasons(row.comment_id),
      firstAt: new Date(row.first_at).toISOString(),
      lastAt: new Date(row.last_at).toISOString(),
    }));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { groups, nextBefore: last === undefined ? null : { lastAt: last.last_at, commentId: last.comment_id } };
  }

  openCount(commentId: string): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reports WHERE comment_id = ?", commentId).one().n;
  }

  /** Closes every report of the comment; call inside the write transaction. */
  resolve(commentId: string): number {
    return this.sql.exec("DELETE FROM reports WHERE comment_id = ?", commentId).rowsWritten;
  }

  /** The newest distinct reasons, at most MAX_GROUP_REASONS. */
  private reasons(commentId: string): string[] {
    const reasons = new Set<string>();
    for (const row of this.sql.exec<{ reason: string }>("SELECT reason FROM reports WHERE comment_id = ? ORDER BY id DESC", commentId)) {
      reasons.add(row.reason);
      if (reasons.size === MAX_GROUP_REASONS) break;
    }
    return [...reasons];
  }

  forgetReporter(userId: string): number {
    return this.sql.exec("DELETE FROM reports WHERE reporter_id = ?", userId).rowsWritten;
  }
}

function toReport(row: ReportRow): Report {
  return {
    id: row.id,
    commentId: row.comment_id,
    reporter: row.reporter_id,
    reason: row.reason,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
