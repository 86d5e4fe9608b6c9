import { LiftRestrictionResponse, Restriction, RestrictionsResponse } from "../../../protocol/mini/restrictions";
import { button, el } from "../comments/dom";
import { confirmIn, focusAfterRemoval, heading, redraw, when, type PanelContext } from "./kit";
import { fill } from "./messages";
import { pageQuery } from "./wire";

const PAGE_SIZE = 50;

/**
 * The Bans tab's "Restricted" section (docs/moderation.md "Restrictions"): a form to restrict a
 * user by id with an optional reason, and the restrictions in force, newest first, each with who
 * set it, when, why and "Lift …" (after a confirmation). Part of the Bans tab's chunk, so the
 * view's first load does not carry it. Another moderator's restrict or lift arrives as a `modlog`
 * event, on which the view reads the open Bans tab again (view.ts).
 */
export class RestrictionsSection {
  readonly element = el("div", { part: "restrictions" });
  private readonly formTitle = el("h3", { id: "restrict-title" });
  private readonly hint = el("p", { part: "hint", id: "restrict-hint" });
  private readonly user = el("input", { type: "text", required: "", autocomplete: "off", spellcheck: "false", "data-control": "restrict-user" });
  private readonly reason = el("input", { type: "text", maxlength: "300", autocomplete: "off", "data-control": "restrict-reason" });
  private readonly submit = el("button", { type: "submit", part: "action danger", "data-action": "restrict" });
  private readonly labels = { user: el("span", {}), reason: el("span", {}) };
  readonly title = heading("restricted-title");
  private readonly list = el("ul", { part: "list", "aria-labelledby": "restricted-title" });
  private readonly more = el("button", { type: "button", part: "action", "data-action": "more-restrictions", hidden: "" });
  private restrictions: Restriction[] = [];
  private cursor: string | null = null;

  constructor(private readonly ctx: PanelContext) {
    const l = this.labels;
    const form = el(
      "form",
      { part: "restrict-form", "aria-labelledby": "restrict-title", "aria-describedby": "restrict-hint" },
      this.formTitle,
      this.hint,
      el("div", { part: "row" }, el("label", {}, l.user, this.user), el("label", {}, l.reason, this.reason), this.submit),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.restrict();
    });
    this.more.addEventListener("click", () => void this.loadMore());
    this.element.append(form, this.title, this.list, this.more);
  }

  /** A Lift confirmation is open: a re-read must not draw it away. */
  busy(): boolean {
    return this.list.querySelector("[data-confirm]") !== null;
  }

  load(): Promise<void> {
    return this.page(null);
  }

  relabel(): void {
    const t = this.ctx.t();
    this.formTitle.textContent = t.restrictTitle;
    this.hint.textContent = t.restrictHint;
    this.labels.user.textContent = t.userId;
    this.labels.reason.textContent = t.reason;
    this.submit.textContent = t.restrict;
    this.title.textContent = t.restricted;
    this.more.textContent = t.loadMore;
    this.draw();
  }

  /** The first page (`cursor` null) replaces the list; later ones add to it. */
  private async page(cursor: string | null): Promise<void> {
    try {
      const answer = await this.ctx.api.write("GET", `/restrictions${pageQuery(PAGE_SIZE, cursor)}`, undefined, RestrictionsResponse);
      const known = cursor === null ? [] : this.restrictions;
      this.restrictions = [...known, ...answer.restrictions.filter((r) => !known.some((k) => k.userId === r.userId))];
      this.cursor = answer.nextCursor;
      // A confirmation opened while this read was on its way (a live `modlog` starts reads at
      // any time) stays: the list read shows on the next draw.
      if (this.busy()) return;
      redraw(this.element, () => this.draw(), () => this.title);
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }

  /** "Load more" keeps focus while there is more; on the last page focus goes to the first row it brought. */
  private async loadMore(): Promise<void> {
    const shown = this.restrictions.length;
    await this.page(this.cursor);
    const first = this.restrictions[shown];
    if (this.more.hidden && first !== undefined) this.list.querySelector<HTMLElement>(`[data-key="${CSS.escape(`lift ${first.userId}`)}"]`)?.focus();
  }

  private draw(): void {
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    const row = (r: Restriction) => {
      const slot = el("div", {});
      const lift: HTMLButtonElement = button(fill(t.lift, locale, { name: r.userId }), { part: "action", "data-action": "lift-restriction", "data-key": `lift ${r.userId}` }, () =>
        confirmIn(slot, lift, t, fill(t.confirmLift, locale, { name: r.userId }), () => void this.lift(r.userId)),
      );
      return el(
        "li",
        { part: "item", "data-user": r.userId },
        el("span", { part: "who", dir: "auto" }, r.userId),
        el("span", { part: "hint", dir: "auto" }, [fill(t.by, locale, { name: r.by }), when(r.createdAt, locale), r.reason ?? ""].filter((s) => s !== "").join(" · ")),
        lift,
        slot,
      );
    };
    this.list.replaceChildren(...(this.restrictions.length === 0 ? [el("li", { part: "empty" }, t.noRestricted)] : this.restrictions.map(row)));
    this.more.hidden = this.cursor === null;
  }

  private async restrict(): Promise<void> {
    const userId = this.user.value.trim();
    if (userId === "") return this.user.focus();
    const reason = this.reason.value.trim();
    try {
      await this.ctx.api.write("POST", "/restrictions", { userId, ...(reason === "" ? {} : { reason }) }, Restriction);
      this.user.value = "";
      this.reason.value = "";
      await this.page(null);
      this.ctx.say(fill(this.ctx.t().restrictedNow, this.ctx.locale(), { name: userId }));
      this.ctx.done("restrict", { userId });
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
    this.user.focus();
  }

  private async lift(userId: string): Promise<void> {
    const refocus = focusAfterRemoval(this.list, "[data-action=lift-restriction]", `lift ${userId}`, this.title);
    try {
      await this.ctx.api.write("DELETE", `/restrictions/${encodeURIComponent(userId)}`, undefined, LiftRestrictionResponse);
      await this.page(null);
      refocus();
      this.ctx.say(fill(this.ctx.t().lifted, this.ctx.locale(), { name: userId }));
      this.ctx.done("unrestrict", { userId });
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
      // The confirmation took focus with it: back to this row's Lift, to try again.
      (this.list.querySelector<HTMLElement>(`[data-key="${CSS.escape(`lift ${userId}`)}"]`) ?? this.title).focus();
    }
  }
}
