import { Comment, DeletedComment } from "../../../protocol/mini/comments";
import { ReportsResponse } from "../../../protocol/mini/moderation";
import { ApiError } from "../comments/api";
import { button, el } from "../comments/dom";
import { codeOf, confirmIn, focusAfterRemoval, heading, redraw, when, type Panel, type PanelContext } from "./kit";
import { fill, plural } from "./messages";
import { pageQuery, ReportGroupsPage, ResolveResult } from "./wire";

const PAGE_SIZE = 50;

/** A reported comment: how often, and why (with who and when where the server says). */
interface Group {
  commentId: string;
  count: number;
  reasons: { reason: string; by?: string; at?: string }[];
}

/**
 * Reports grouped by comment, with their count and reasons, the comment's text, and actions.
 * A server with issue 21's triage groups them (`GET …/reports/by-comment`) and resolves them
 * (`POST …/reports/:commentId/resolve`: Dismiss, or Delete comment, which the mod log records);
 * on main's server (404 for those) the view groups `GET …/reports` itself and deletes the
 * comment (`DELETE …/comments/:id`). Deleting asks first.
 */
export class ReportsPanel implements Panel {
  readonly key = "reports";
  readonly element = el("div", { part: "reports" });
  private readonly title = heading("reports-title");
  private readonly list = el("ul", { part: "list", "aria-labelledby": "reports-title" });
  private readonly more = el("button", { type: "button", part: "action", "data-action": "more-reports", hidden: "" });
  private groups: Group[] = [];
  private cursor: string | null = null;
  /** Whether the server groups and resolves reports; unknown until the first read. */
  private triage: boolean | null = null;
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
      const { groups, nextCursor } = await this.read(cursor);
      this.groups = cursor === null ? groups : [...this.groups, ...groups];
      this.cursor = nextCursor;
      await Promise.all(groups.map((g) => g.commentId).filter((id) => !this.comments.has(id)).map((id) => this.readComment(id)));
      // A confirmation opened while this read was on its way (a live `report` starts reads at
      // any time) is not drawn away: the list shows what was read on the next draw.
      if (this.busy()) return;
      redraw(this.element, () => this.draw(), () => this.title);
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }

  private async read(cursor: string | null): Promise<{ groups: Group[]; nextCursor: string | null }> {
    if (this.triage !== false) {
      try {
        const answer = await this.ctx.api.write("GET", `/reports/by-comment${pageQuery(PAGE_SIZE, cursor)}`, undefined, ReportGroupsPage);
        this.triage = true;
        return { groups: answer.groups.map((g) => ({ commentId: g.commentId, count: g.count, reasons: g.reasons.map((reason) => ({ reason })) })), nextCursor: answer.nextCursor ?? null };
      } catch (error) {
        if (codeOf(error) !== "not_found") throw error;
        this.triage = false;
      }
    }
    const answer = await this.ctx.api.write("GET", `/reports${pageQuery(PAGE_SIZE, cursor)}`, undefined, ReportsResponse);
    // A later page may hold more reports of a comment already shown: they join its group.
    const byComment = new Map<string, Group>(cursor === null ? [] : this.groups.map((g) => [g.commentId, g]));
    const fresh: Group[] = [];
    for (const report of answer.reports) {
      let group = byComment.get(report.commentId);
      if (group === undefined) {
        byComment.set(report.commentId, (group = { commentId: report.commentId, count: 0, reasons: [] }));
        fresh.push(group);
      }
      group.count += 1;
      group.reasons.push({ reason: report.reason, by: report.reporter, at: report.createdAt });
    }
    return { groups: fresh, nextCursor: answer.nextCursor };
  }

  private async readComment(id: string): Promise<void> {
    try {
      this.comments.set(id, await this.ctx.api.read(`/comments/${encodeURIComponent(id)}`, Comment));
    } catch (error) {
      // Deleted (404): said so in its group. Anything else: shown without text, read next time.
      if (error instanceof ApiError && error.code !== "failed") this.comments.set(id, null);
    }
  }

  private draw(): void {
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    this.list.replaceChildren(
      ...(this.groups.length === 0
        ? [el("li", { part: "empty" }, t.noReports)]
        : this.groups.map((group) => {
            const comment = this.comments.get(group.commentId);
            const confirmSlot = el("div", {});
            const remove: HTMLButtonElement = button(t.deleteComment, { part: "action danger", "data-action": "delete-comment", "data-key": `delete ${group.commentId}` }, () =>
              confirmIn(confirmSlot, remove, t, t.confirmDeleteComment, () => void this.resolve(group.commentId, "remove")),
            );
            const actions = [
              ...(comment ? [remove] : []),
              ...(this.triage === true ? [button(t.dismiss, { part: "action", "data-action": "dismiss", "data-key": `dismiss ${group.commentId}` }, () => void this.resolve(group.commentId, "dismiss"))] : []),
            ];
            return el(
              "li",
              { part: "item report-group", "data-comment": group.commentId },
              el("p", { part: "row" }, el("strong", { part: "count" }, plural(t.reportCount, locale, group.count)), ...(comment ? [el("span", { part: "hint", dir: "auto" }, comment.author.name)] : [])),
              comment ? el("blockquote", { part: "text", dir: "auto" }, comment.text) : el("p", { part: "hint" }, comment === null ? t.commentGone : group.commentId),
              el(
                "ul",
                { part: "reasons" },
                ...group.reasons.map((r) =>
                  el("li", {}, el("span", { dir: "auto" }, r.reason), ...(r.by !== undefined && r.at !== undefined ? [" ", el("span", { part: "hint" }, fill(t.byOn, locale, { who: r.by, time: when(r.at, locale) }))] : [])),
                ),
              ),
              ...(actions.length > 0 ? [el("div", { part: "row" }, ...actions), confirmSlot] : []),
            );
          })),
    );
    this.more.hidden = this.cursor === null;
  }

  /** Removes the comment (with its reports closed where the server triages) or dismisses its reports. */
  private async resolve(commentId: string, action: "remove" | "dismiss"): Promise<void> {
    const refocus = focusAfterRemoval(
      this.list,
      action === "remove" ? "[data-action=delete-comment]" : "[data-action=dismiss]",
      `${action === "remove" ? "delete" : "dismiss"} ${commentId}`,
      this.title,
    );
    try {
      if (this.triage === true) {
        await this.ctx.api.write("POST", `/reports/${encodeURIComponent(commentId)}/resolve`, { action }, ResolveResult);
        // Resolved reports are closed: the group leaves the list.
        this.groups = this.groups.filter((g) => g.commentId !== commentId);
      } else await this.ctx.api.write("DELETE", `/comments/${encodeURIComponent(commentId)}`, undefined, DeletedComment);
      if (action === "remove") this.comments.set(commentId, null);
      redraw(this.element, () => this.draw(), () => this.title);
      refocus();
      this.ctx.say(action === "remove" ? this.ctx.t().commentDeleted : this.ctx.t().dismissed);
      this.ctx.done(action === "remove" ? "delete" : "dismiss", { commentId });
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }
}
