import { Ban, LiftBanResponse } from "../../../protocol/mini/comments";
import { button, el } from "../comments/dom";
import { confirmIn, focusAfterRemoval, heading, redraw, when, type Panel, type PanelContext } from "./kit";
import { fill } from "./messages";
import { RestrictionsSection } from "./restrictions-section";
import { BansPage } from "./wire";

/** Timeout choices, in seconds: 10 minutes, an hour, a day, a week ("" is a ban until lifted). */
const DURATIONS = ["", "600", "3600", "86400", "604800"];

/**
 * Bans and timeouts in force, each with Unban, and a form to ban or time out a user by id
 * (after a confirmation); below them the restricted users (restrictions-section.ts). The lists
 * are read when the tab opens, after each action here, on a `modlog` event of a ban, timeout,
 * unban, restrict or lift by any moderator, and on the view's refresh (view.ts).
 */
export class BansPanel implements Panel {
  readonly key = "bans";
  readonly element = el("div", { part: "bans" });
  private readonly formTitle = el("h3", { id: "ban-title" });
  private readonly user = el("input", { type: "text", required: "", autocomplete: "off", spellcheck: "false", "data-control": "ban-user" });
  private readonly duration = el("select", { "data-control": "ban-duration" });
  private readonly reason = el("input", { type: "text", maxlength: "300", autocomplete: "off", "data-control": "ban-reason" });
  private readonly submit = el("button", { type: "submit", part: "action danger", "data-action": "ban" });
  private readonly confirmSlot = el("div", {});
  private readonly labels = { user: el("span", {}), duration: el("span", {}), reason: el("span", {}) };
  private readonly bansTitle = heading("bans-title");
  private readonly timeoutsTitle = heading("timeouts-title");
  private readonly bansList = el("ul", { part: "list", "aria-labelledby": "bans-title" });
  private readonly timeoutsList = el("ul", { part: "list", "aria-labelledby": "timeouts-title" });
  private readonly more = el("button", { type: "button", part: "action", "data-action": "more-bans", hidden: "" });
  private bans: Ban[] = [];
  private cursor: string | null = null;
  private readonly restrictions: RestrictionsSection;

  constructor(private readonly ctx: PanelContext) {
    this.restrictions = new RestrictionsSection(ctx);
    const l = this.labels;
    const form = el(
      "form",
      { part: "ban-form", "aria-labelledby": "ban-title" },
      this.formTitle,
      el("div", { part: "row" }, el("label", {}, l.user, this.user), el("label", {}, l.duration, this.duration), el("label", {}, l.reason, this.reason), this.submit),
      this.confirmSlot,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.askBan();
    });
    this.more.addEventListener("click", () => void this.page(this.cursor));
    this.element.append(form, this.bansTitle, this.bansList, this.timeoutsTitle, this.timeoutsList, this.more, this.restrictions.element);
    this.relabel();
  }

  tabLabel(): string {
    return this.ctx.t().bansTab;
  }

  busy(): boolean {
    return this.confirmSlot.childElementCount > 0 || this.restrictions.busy();
  }

  async load(): Promise<void> {
    await Promise.all([this.page(null), this.restrictions.load()]);
  }

  relabel(): void {
    const t = this.ctx.t();
    this.formTitle.textContent = t.banTitle;
    this.labels.user.textContent = t.userId;
    this.labels.duration.textContent = t.duration;
    this.labels.reason.textContent = t.reason;
    this.submit.textContent = t.ban;
    this.bansTitle.textContent = t.bans;
    this.timeoutsTitle.textContent = t.timeouts;
    this.more.textContent = t.loadMore;
    const chosen = this.duration.value;
    this.duration.replaceChildren(...DURATIONS.map((d) => el("option", { value: d }, d === "" ? t.untilLifted : this.span(Number(d)))));
    this.duration.value = chosen || "";
    this.draw();
    this.restrictions.relabel();
  }

  private span(seconds: number): string {
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    if (seconds < 3_600) return fill(t.minutes, locale, { n: seconds / 60 });
    if (seconds < 86_400) return fill(t.hours, locale, { n: seconds / 3_600 });
    return fill(t.days, locale, { n: seconds / 86_400 });
  }

  /** The first page (`cursor` null) replaces the list; later ones add to it. */
  private async page(cursor: string | null): Promise<void> {
    try {
      const answer = await this.ctx.api.write("GET", `/bans${cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`}`, undefined, BansPage);
      this.bans = cursor === null ? answer.bans : [...this.bans, ...answer.bans];
      this.cursor = answer.nextCursor ?? null;
      redraw(this.element, () => this.draw(), () => this.bansTitle);
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }

  private draw(): void {
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    const row = (ban: Ban) =>
      el(
        "li",
        { part: "item", "data-user": ban.userId },
        el("span", { part: "who", dir: "auto" }, ban.userId),
        el("span", { part: "hint" }, [ban.until === null ? t.untilLifted : fill(t.until, locale, { time: when(ban.until, locale) }), fill(t.by, locale, { name: ban.by }), ban.reason ?? ""].filter((s) => s !== "").join(" · ")),
        button(fill(t.unban, locale, { name: ban.userId }), { part: "action", "data-action": "unban", "data-key": `unban ${ban.userId}` }, () => void this.unban(ban.userId)),
      );
    const bans = this.bans.filter((ban) => ban.until === null);
    const timeouts = this.bans.filter((ban) => ban.until !== null);
    this.bansList.replaceChildren(...(bans.length === 0 ? [el("li", { part: "empty" }, t.noBans)] : bans.map(row)));
    this.timeoutsList.replaceChildren(...(timeouts.length === 0 ? [el("li", { part: "empty" }, t.noTimeouts)] : timeouts.map(row)));
    this.more.hidden = this.cursor === null;
  }

  private askBan(): void {
    const t = this.ctx.t();
    const userId = this.user.value.trim();
    if (userId === "") {
      this.user.focus();
      return;
    }
    const seconds = this.duration.value === "" ? null : Number(this.duration.value);
    const question = seconds === null ? fill(t.confirmBan, this.ctx.locale(), { name: userId }) : fill(t.confirmTimeout, this.ctx.locale(), { name: userId, time: this.span(seconds) });
    confirmIn(this.confirmSlot, this.submit, t, question, () => void this.ban(userId, seconds));
  }

  private async ban(userId: string, seconds: number | null): Promise<void> {
    const t = this.ctx.t();
    const reason = this.reason.value.trim();
    try {
      const made = await this.ctx.api.write("POST", "/bans", { userId, ...(seconds === null ? {} : { durationSeconds: seconds }), ...(reason === "" ? {} : { reason }) }, Ban);
      this.user.value = "";
      this.reason.value = "";
      await this.page(null);
      this.ctx.say(made.until === null ? fill(t.banned, this.ctx.locale(), { name: userId }) : fill(t.timedOut, this.ctx.locale(), { name: userId, time: when(made.until, this.ctx.locale()) }));
      this.ctx.done(made.until === null ? "ban" : "timeout", { userId });
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
    this.user.focus();
  }

  private async unban(userId: string): Promise<void> {
    const refocus = focusAfterRemoval(this.element, "[data-action=unban]", `unban ${userId}`, this.bansTitle);
    try {
      await this.ctx.api.write("DELETE", `/bans/${encodeURIComponent(userId)}`, undefined, LiftBanResponse);
      await this.page(null);
      refocus();
      this.ctx.say(fill(this.ctx.t().unbanned, this.ctx.locale(), { name: userId }));
      this.ctx.done("unban", { userId });
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }
}
