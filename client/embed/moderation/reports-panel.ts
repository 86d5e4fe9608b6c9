import { Comment, DeletedComment } from "../../../protocol/mini/comments";
import { ReportsResponse, type Report } from "../../../protocol/mini/moderation";
import { ApiError } from "../comments/api";
import { button, el } from "../comments/dom";
import { confirmIn, heading, redraw, when, type Panel, type PanelContext } from "./kit";
import { fill, plural } from "./messages";
import { pageQuery } from "./wire";

const PAGE_SIZE = 50;

/** A reported comment: its reports, newest first, and its text while the room still shows it. */
interface Group {
  commentId: string;
  reports: Report[];
}

/**
 * Reports (`GET /v1/targets/:target/reports`), grouped by comment with their count and
 * reasons, each group with the comment's text and "Delete comment" (after a confirmation).
 * Main lists reports one by one and resolves none; the grouping is drawn here from its pages.
 */
export class ReportsPanel implements Panel {
  readonly key = "reports";
  readonly element = el("div", { part: "reports" });
  private readonly title = heading("reports-title");
  private readonly list = el("ul", { part: "list", "aria-labelledby": "reports-title" });
  private readonly more = el("button", { type: "button", part: "action", "data-action": "more-reports", hidden: "" });
  private reports: Report[] = [];
  private cursor: string | null = null;
  /** Comment texts by id; null once the room no longer shows it. */
  private readonly comments = new Map<string, Comment | null>();

  constructor(private readonly ctx: PanelContext) {
    this.more.addEventListener("click", () => void this.page(this.cursor));
    this.element.append(this.title, this.list, this.more);
    this.relabel();
  }

  tabLabel(): string {
    return this.ctx.t().reportsTab;
  }

  busy(): boolean {
    return this.element.querySelector("[data-confirm]") !== null;
  }

  load(): Promise<void> {
    return this.page(null);
  }

  /** A comment the room deleted: its group says so without another read. */
  forget(commentId: string): void {
    if (!this.comments.has(commentId)) return;
    this.comments.set(commentId, null);
    redraw(this.element, () => this.draw(), () => this.title);
  }

  relabel(): void {
    this.title.textContent = this.ctx.t().reportsTab;
    this.more.textContent = this.ctx.t().loadMore;
    this.draw();
  }

  private async page(cursor: string | null): Promise<void> {
    try {
      const answer = await this.ctx.api.write("GET", `/reports${pageQuery(PAGE_SIZE, cursor)}`, undefined, ReportsResponse);
      this.reports = cursor === null ? answer.reports : [...this.reports, ...answer.reports];
      this.cursor = answer.nextCursor;
      await Promise.all([...new Set(answer.reports.map((r) => r.commentId))].filter((id) => !this.comments.has(id)).map((id) => this.readComment(id)));
      redraw(this.element, () => this.draw(), () => this.title);
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }

  private async readComment(id: string): Promise<void> {
    try {
      this.comments.set(id, await this.ctx.api.read(`/comments/${encodeURIComponent(id)}`, Comment));
    } catch (error) {
      // Deleted (404): said so in its group. Anything else: shown without text, read next time.
      if (error instanceof ApiError && error.code !== "failed") this.comments.set(id, null);
    }
  }

  private groups(): Group[] {
    const byComment = new Map<string, Group>();
    for (const report of this.reports) {
      let group = byComment.get(report.commentId);
      if (group === undefined) byComment.set(report.commentId, (group = { commentId: report.commentId, reports: [] }));
      group.reports.push(report);
    }
    return [...byComment.values()];
  }

  private draw(): void {
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    const groups = this.groups();
    this.list.replaceChildren(
      ...(groups.length === 0
        ? [el("li", { part: "empty" }, t.noReports)]
        : groups.map((group) => {
            const comment = this.comments.get(group.commentId);
            const confirmSlot = el("div", {});
            const remove: HTMLButtonElement = button(t.deleteComment, { part: "action danger", "data-action": "delete-comment", "data-key": `delete ${group.commentId}` }, () =>
              confirmIn(confirmSlot, remove, t, t.confirmDeleteComment, () => void this.remove(group.commentId)),
            );
            return el(
              "li",
              { part: "item report-group", "data-comment": group.commentId },
              el("p", { part: "row" }, el("strong", { part: "count" }, plural(t.reportCount, locale, group.reports.length)), ...(comment ? [el("span", { part: "hint", dir: "auto" }, comment.author.name)] : [])),
              comment ? el("blockquote", { part: "text", dir: "auto" }, comment.text) : el("p", { part: "hint" }, comment === null ? t.commentGone : group.commentId),
              el("ul", { part: "reasons" }, ...group.reports.map((r) => el("li", {}, el("span", { dir: "auto" }, r.reason), " ", el("span", { part: "hint" }, fill(t.byOn, locale, { who: r.reporter, time: when(r.createdAt, locale) }))))),
              ...(comment ? [el("div", { part: "row" }, remove), confirmSlot] : []),
            );
          })),
    );
    this.more.hidden = this.cursor === null;
  }

  private async remove(commentId: string): Promise<void> {
    const items = [...this.list.querySelectorAll<HTMLElement>("[data-action=delete-comment]")];
    const at = items.findIndex((b) => b.dataset.key === `delete ${commentId}`);
    const nextKey = (items[at + 1] ?? items[at - 1])?.dataset.key;
    try {
      await this.ctx.api.write("DELETE", `/comments/${encodeURIComponent(commentId)}`, undefined, DeletedComment);
      this.comments.set(commentId, null);
      redraw(this.element, () => this.draw(), () => this.title);
      const next = nextKey === undefined ? null : this.list.querySelector<HTMLElement>(`[data-key="${CSS.escape(nextKey)}"]`);
      (next ?? this.title).focus();
      this.ctx.say(this.ctx.t().commentDeleted);
      this.ctx.done("delete", { commentId });
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }
}
