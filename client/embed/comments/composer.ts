import { button, el } from "./dom";

let made = 0;

/**
 * A text box with a live character counter against the room's limit (its settings'
 * maxCommentLength, counted in code points as the server does after normalising), a submit
 * button, and a line for why it cannot be used (signed out, comments off).
 */
export class Composer {
  readonly element = el("form", { part: "composer" });
  readonly textarea: HTMLTextAreaElement;
  private readonly counter: HTMLSpanElement;
  private readonly submit = el("button", { type: "submit", part: "submit" });
  private readonly blocked = el("p", { part: "hint", dir: "auto" });
  private readonly hint = el("span", { part: "hint", dir: "auto" });
  private readonly cancel: HTMLButtonElement | null;
  private readonly row = el("div", { part: "row" });
  private max = 500;
  private label = "";

  constructor(
    part: string,
    private readonly send: (text: string) => void,
    onCancel?: () => void,
  ) {
    const id = `engage-count-${++made}`;
    this.counter = el("span", { part: "counter", id, "aria-live": "off" });
    this.textarea = el("textarea", { part: `input ${part}`, dir: "auto", rows: "3", "aria-describedby": id });
    this.cancel = onCancel === undefined ? null : button("", { part: "action" }, onCancel);
    this.element.setAttribute("part", `composer ${part}`);
    this.row.append(this.submit, ...(this.cancel === null ? [] : [this.cancel]), this.counter, this.hint);
    this.element.append(this.blocked, this.textarea, this.row);
    this.textarea.addEventListener("input", () => this.count());
    this.textarea.addEventListener("keydown", (event) => {
      // Enter posts, as in a chat; Shift+Enter starts a new line.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.element.requestSubmit();
      }
    });
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.textarea.value;
      if (text.trim() === "" || this.length() > this.max) return;
      this.textarea.value = "";
      this.count();
      this.send(text);
    });
  }

  /** Labels in the current language; `counter` has {n} and {max}. */
  labels(label: string, submit: string, counter: string, cancel: string): void {
    this.label = counter;
    this.textarea.setAttribute("aria-label", label);
    this.textarea.placeholder = label;
    this.submit.textContent = submit;
    if (this.cancel !== null) this.cancel.textContent = cancel;
    this.count();
  }

  limit(max: number): void {
    this.max = max;
    this.count();
  }

  /** A reason the composer cannot be used, or null; a blocked composer shows only the reason. */
  block(reason: string | null): void {
    this.blocked.textContent = reason ?? "";
    this.blocked.hidden = reason === null;
    this.textarea.hidden = reason !== null;
    // Hidden is not enough for assistive technology or a form-filling script: it is off too.
    this.textarea.disabled = reason !== null;
    this.row.hidden = reason !== null;
  }

  note(text: string): void {
    this.hint.textContent = text;
  }

  /** Puts back a text the server refused, so nothing typed is lost. */
  restore(text: string): void {
    if (this.textarea.value === "") this.textarea.value = text;
    this.count();
  }

  focus(): void {
    this.textarea.focus();
  }

  private length(): number {
    return [...this.textarea.value].length;
  }

  private count(): void {
    const n = this.length();
    this.counter.textContent = this.label.replace("{n}", String(n)).replace("{max}", String(this.max));
    this.counter.toggleAttribute("data-over", n > this.max);
    this.submit.disabled = n > this.max;
  }
}
