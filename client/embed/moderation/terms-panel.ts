import { el } from "../comments/dom";
import { codeOf, type Panel, type PanelContext } from "./kit";
import { fill } from "./messages";
import { Terms, TERMS_LIMITS } from "./wire";

/**
 * The room's word lists (`GET/PUT /v1/targets/:target/terms`): blocked terms mask or refuse a
 * comment (the room's filter setting), suspect terms hold it. One term per line; the server
 * answers the lists it keeps (duplicates dropped), which replace what was typed.
 */
export class TermsPanel implements Panel {
  readonly key = "terms";
  readonly element = el("div", { part: "terms" });
  private readonly title = el("h3", { id: "terms-title", tabindex: "-1" });
  private readonly hint = el("p", { part: "hint", id: "terms-hint" });
  private readonly blocked = el("textarea", { rows: "5", spellcheck: "false", "aria-describedby": "terms-hint", "data-control": "blocked" });
  private readonly suspect = el("textarea", { rows: "5", spellcheck: "false", "aria-describedby": "terms-hint", "data-control": "suspect" });
  private readonly labels = { blocked: el("span", {}), suspect: el("span", {}) };
  private readonly save = el("button", { type: "submit", part: "action", "data-action": "save-terms" });
  private readonly form: HTMLFormElement;
  /** The moderator typed since the lists were last shown: a read answering late must not overwrite that. */
  private edited = false;

  constructor(private readonly ctx: PanelContext) {
    this.form = el("form", { "aria-labelledby": "terms-title" }, this.title, this.hint, el("label", { part: "stack" }, this.labels.blocked, this.blocked), el("label", { part: "stack" }, this.labels.suspect, this.suspect), this.save);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.put();
    });
    for (const box of [this.blocked, this.suspect]) box.addEventListener("input", () => (this.edited = true));
    this.element.append(this.form);
    this.relabel();
  }

  tabLabel(): string {
    return this.ctx.t().termsTab;
  }

  /** Unsaved edits are the moderator's: a re-read must not overwrite them. */
  busy(): boolean {
    return this.edited;
  }

  async load(): Promise<void> {
    try {
      const terms = await this.ctx.api.write("GET", "/terms", undefined, Terms);
      if (!this.edited) this.show(terms);
    } catch (error) {
      this.fail(error);
    }
  }

  relabel(): void {
    const t = this.ctx.t();
    this.title.textContent = t.termsTitle;
    this.labels.blocked.textContent = t.blocked;
    this.labels.suspect.textContent = t.suspect;
    this.save.textContent = t.saveTerms;
    if (this.form.hidden) this.hint.textContent = t.unavailable;
    else this.hint.textContent = fill(t.termsHint, this.ctx.locale(), { n: TERMS_LIMITS.entriesPerList, max: TERMS_LIMITS.charactersPerEntry });
  }

  private show(terms: Terms): void {
    this.edited = false;
    this.blocked.value = terms.blocked.join("\n");
    this.suspect.value = terms.suspect.join("\n");
  }

  private fail(error: unknown): void {
    // A server without the route (before issue 21's terms landed) answers 404.
    if (codeOf(error) === "not_found") {
      for (const control of [this.blocked, this.suspect, this.save]) control.disabled = true;
      this.hint.textContent = this.ctx.t().unavailable;
      return;
    }
    this.ctx.say(this.ctx.errorText(error));
  }

  private async put(): Promise<void> {
    const lines = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
    try {
      this.show(await this.ctx.api.write("PUT", "/terms", { blocked: lines(this.blocked.value), suspect: lines(this.suspect.value) }, Terms));
      this.ctx.say(this.ctx.t().termsSaved);
      this.ctx.done("terms");
    } catch (error) {
      this.fail(error);
    }
  }
}
