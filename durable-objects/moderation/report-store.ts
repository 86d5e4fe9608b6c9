import { noteUserRef } from "./user-refs";
import type { Report } from "../../protocol/moderation";
import type { ReportsPage } from "../../protocol/internal/moderation-rpc";

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
