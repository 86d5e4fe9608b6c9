import { MAX_COMMENT_LENGTH } from "../../protocol/comments";
import { h, setText } from "./dom";

let composerCount = 0;

/**
 * A labelled text area and a Post button. Enter posts, Shift+Enter starts a new line. The
 * text stays in the box until the server accepted it, so a refused comment is not lost.
 */
export class CommentComposer {
  readonly element: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly submit: HTMLButtonElement;
  private readonly note = h("p", { class: "composer-note", "aria-live": "polite" });
  private sending = false;
  private blockedReason: string | null = null;

  constructor(
    label: string,
    private readonly send: (text: string) => Promise<void>,
    options: { testId: string; buttonLabel?: string },
  ) {
    const id = `composer-${++composerCount}`;
    this.input = h("textarea", { id, rows: 2, maxlength: MAX_COMMENT_LENGTH * 2, "data-testid": `${options.testId}-input` });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.element.requestSubmit();
      }
    });
    this.submit = h("button", { type: "submit", "data-testid": `${options.testId}-submit` }, options.buttonLabel ?? "Post");
    this.element = h(
      "form",
      { class: "composer", "data-testid": options.testId },
      h("label", { for: id }, label),
      this.input,
      h("div", { class: "composer-row" }, this.submit, this.note),
    );
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.post();
    });
  }

  focus(): void {
    this.input.focus();
  }

  /** Comments off, signed out, and the like: the box stays visible, disabled, with the reason. */
  block(reason: string | null): void {
    const shown = this.blockedReason;
    this.blockedReason = reason;
    this.render();
    if (reason !== null) setText(this.note, reason);
    else if (shown !== null && this.note.textContent === shown) setText(this.note, "");
  }

  /** A standing hint (slow mode); never hides a reason the box is blocked for. */
  hint(text: string): void {
    if (this.blockedReason === null) setText(this.note, text);
  }

  private async post(): Promise<void> {
    const text = this.input.value.trim();
    if (this.sending || this.blockedReason !== null || text.length === 0) return;
    this.sending = true;
    this.render();
    try {
      await this.send(text);
      // Only clear what was posted: the user may have typed on while the post was in flight.
      if (this.input.value.trim() === text) this.input.value = "";
      setText(this.note, "");
    } catch (error) {
      setText(this.note, error instanceof Error ? error.message : String(error));
    } finally {
      this.sending = false;
      this.render();
    }
  }

  private render(): void {
    this.input.disabled = this.blockedReason !== null;
    this.submit.disabled = this.sending || this.blockedReason !== null;
  }
}
