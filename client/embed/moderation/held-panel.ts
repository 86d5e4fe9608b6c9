import type * as z from "zod/mini";
import type { HeldComment } from "../../../protocol/mini/comment";
import { HeldPageResponse, HeldResolution } from "../../../protocol/mini/moderation";
import { button, el } from "../comments/dom";
import { codeOf, heading, redraw, when, type Panel, type PanelContext } from "./kit";
import { fill } from "./messages";
import { pageQuery } from "./wire";

type Held = z.infer<typeof HeldComment>;

/**
 * The review queue (docs/moderation.md "Held comments"), oldest first: each held comment with
 * its author, text, why it was held and when, Approve, and Deny with an optional reason. The
 * room sends moderators a `held` event for each new one and `held_resolved` when any moderator
 * decides, so the list follows them without a re-read (view.ts calls `add` and `drop`).
 */
export class HeldPanel implements Panel {
  readonly key = "held";
  readonly element = el("div", { part: "held" });
  private readonly title = heading("held-title");
  private readonly list = el("ul", { part: "list", "aria-labelledby": "held-title" });
  private readonly more = el("button", { type: "button", part: "action", "data-action": "more-held", hidden: "" });
  private items: Held[] = [];
  private cursor: string | null = null;

  constructor(private readonly ctx: PanelContext) {
    this.more.addEventListener("click", () => void this.page(this.cursor));
    this.element.append(this.title, this.list, this.more);
    this.relabel();
  }

  tabLabel(): string {
    return this.ctx.t().heldTab;
  }

  busy(): boolean {
    // A reason being typed would be lost to a redraw.
    const typing = this.list.querySelector<HTMLInputElement>("input:focus");
    return typing !== null && typing.value !== "";
  }

  load(): Promise<void> {
    return this.page(null);
  }

  relabel(): void {
    this.title.textContent = this.ctx.t().heldTitle;
    this.more.textContent = this.ctx.t().loadMore;
    this.show();
  }

  /** A `held` event: the queue is oldest first, so a new one goes last (once). */
  add(held: Held): void {
    if (this.items.some((h) => h.id === held.id)) return;
    this.items.push(held);
    this.show();
  }

  /** A `held_resolved` event (this moderator's decision or another's). */
  drop(heldId: string): void {
    const before = this.items.length;
    this.items = this.items.filter((h) => h.id !== heldId);
    if (this.items.length !== before) this.show();
  }

  private async page(cursor: string | null): Promise<void> {
    try {
      const answer = await this.ctx.api.write("GET", `/held${pageQuery(50, cursor)}`, undefined, HeldPageResponse);
      const known = cursor === null ? [] : this.items;
      // A `held` event that came while the last page was read stays (it is newer than the page).
      const last = answer.items.at(-1)?.createdAt ?? "";
      const live = answer.nextCursor === null && cursor === null ? this.items.filter((h) => h.createdAt > last) : [];
      const items = [...known, ...answer.items, ...live];
      this.items = items.filter((h, i) => items.findIndex((o) => o.id === h.id) === i);
      this.cursor = answer.nextCursor;
      this.show();
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }

  private show(): void {
    redraw(this.element, () => this.draw(), () => this.title);
  }

  private draw(): void {
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    // Reasons being typed survive a redraw.
    const typed = new Map([...this.list.querySelectorAll<HTMLInputElement>("input[data-held]")].map((input) => [input.dataset.held, input.value]));
    this.list.replaceChildren(
      ...(this.items.length === 0
        ? [el("li", { part: "empty" }, t.noHeld)]
        : this.items.map((held) => {
            const reason = el("input", { type: "text", maxlength: "300", autocomplete: "off", "aria-label": fill(t.denyReason, locale, { name: held.author.name }), "data-held": held.id, "data-key": `reason ${held.id}` });
            reason.value = typed.get(held.id) ?? "";
            reason.addEventListener("keydown", (event) => {
              if (event.key === "Enter") void this.decide(held, "deny", reason.value.trim());
            });
            return el(
              "li",
              { part: "item", "data-held": held.id },
              el("p", { part: "row" }, el("strong", { part: "who", dir: "auto" }, held.author.name), el("span", { part: "hint" }, `${t.heldFor[held.heldFor] ?? held.heldFor} · ${when(held.createdAt, locale)}`)),
              el("blockquote", { part: "text", dir: "auto" }, held.text),
              el(
                "div",
                { part: "row" },
                button(fill(t.approve, locale, { name: held.author.name }), { part: "action", "data-action": "approve", "data-key": `approve ${held.id}` }, () => void this.decide(held, "approve")),
                reason,
                button(fill(t.deny, locale, { name: held.author.name }), { part: "action danger", "data-action": "deny", "data-key": `deny ${held.id}` }, () => void this.decide(held, "deny", reason.value.trim())),
              ),
            );
          })),
    );
    this.more.hidden = this.cursor === null;
  }

  /** Focus goes to the same action of the next item (else the previous, else the heading). */
  private async decide(held: Held, action: "approve" | "deny", reason = ""): Promise<void> {
    const at = this.items.indexOf(held);
    const neighbour = this.items[at + 1] ?? this.items[at - 1];
    try {
      await this.ctx.api.write("POST", `/comments/${encodeURIComponent(held.id)}/${action}`, reason === "" ? {} : { reason }, HeldResolution);
      this.drop(held.id);
      (neighbour === undefined ? this.title : (this.list.querySelector<HTMLElement>(`[data-key="${CSS.escape(`${action} ${neighbour.id}`)}"]`) ?? this.title)).focus();
      this.ctx.say(fill(action === "approve" ? this.ctx.t().approved : this.ctx.t().denied, this.ctx.locale(), { name: held.author.name }));
      this.ctx.done(action, { commentId: held.id });
    } catch (error) {
      // Already decided by another moderator: it leaves the queue.
      if (codeOf(error) === "held_not_found") this.drop(held.id);
      this.ctx.say(this.ctx.errorText(error));
    }
  }
}
