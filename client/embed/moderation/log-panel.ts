import { el } from "../comments/dom";
import { codeOf, heading, redraw, when, type Panel, type PanelContext } from "./kit";
import { fill } from "./messages";
import { ModlogPage, pageQuery, type ModlogEntry } from "./wire";

const PAGE_SIZE = 50;

/** The room's moderation log (`GET /v1/targets/:target/modlog`), newest first, paged. */
export class LogPanel implements Panel {
  readonly key = "log";
  readonly element = el("div", { part: "log" });
  private readonly title = heading("log-title");
  private readonly list = el("ol", { part: "list", "aria-labelledby": "log-title" });
  private readonly more = el("button", { type: "button", part: "action", "data-action": "more-log", hidden: "" });
  private entries: ModlogEntry[] = [];
  private cursor: string | null = null;
  private unavailable = false;

  constructor(private readonly ctx: PanelContext) {
    this.more.addEventListener("click", () => void this.page(this.cursor));
    this.element.append(this.title, this.list, this.more);
    this.relabel();
  }

  tabLabel(): string {
    return this.ctx.t().logTab;
  }

  busy(): boolean {
    return false;
  }

  load(): Promise<void> {
    return this.page(null);
  }

  relabel(): void {
    this.title.textContent = this.ctx.t().logTab;
    this.more.textContent = this.ctx.t().loadMore;
    this.draw();
  }

  private async page(cursor: string | null): Promise<void> {
    try {
      const answer = await this.ctx.api.write("GET", `/modlog${pageQuery(PAGE_SIZE, cursor)}`, undefined, ModlogPage);
      this.entries = cursor === null ? answer.entries : [...this.entries, ...answer.entries];
      this.cursor = answer.nextCursor ?? null;
      // "Load more" focused and gone: focus to the heading, never <body>.
      redraw(this.element, () => this.draw(), () => this.title);
    } catch (error) {
      if (codeOf(error) === "not_found") {
        this.unavailable = true;
        this.draw();
      } else this.ctx.say(this.ctx.errorText(error));
    }
  }

  private draw(): void {
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    const line = (entry: ModlogEntry) =>
      el(
        "li",
        { part: "item" },
        el("time", { datetime: new Date(entry.at).toISOString(), part: "hint" }, when(entry.at, locale)),
        " ",
        el("span", { dir: "auto" }, fill(t.logLine, locale, { who: entry.moderator, action: t.actions[entry.action] ?? entry.action })),
        ...(entry.userId ? [" ", el("span", { part: "who", dir: "auto" }, entry.userId)] : []),
        ...[entry.detail, entry.reason].filter((note) => note !== undefined && note !== null && note !== "").map((note) => el("span", { part: "hint", dir: "auto" }, ` (${note})`)),
      );
    this.list.replaceChildren(...(this.unavailable ? [el("li", { part: "empty" }, t.unavailable)] : this.entries.length === 0 ? [el("li", { part: "empty" }, t.noLog)] : this.entries.map(line)));
    this.more.hidden = this.cursor === null;
  }
}
