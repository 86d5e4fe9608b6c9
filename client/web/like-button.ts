import type { LiveConnection } from "../live";
import { announce } from "./announcer";
import { describeError } from "./api";
import { formatCount, h, plural, setText } from "./dom";

/**
 * The like button. A click shows the new state at once (optimistic); the server's answer
 * settles both the state and the count. Clicks while a write is in flight only change the
 * wish; when the answer arrives, one more write is sent if the wish differs from the server.
 */
export class LikeButton {
  readonly element: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly countText: HTMLElement;
  /** What the server last told us about this user (null: unknown or signed out). */
  private serverLiked: boolean | null = null;
  private serverCount = 0;
  private serverSeq = -1;
  /** What the user wants; differs from serverLiked while a write is pending. */
  private wanted: boolean | null = null;
  private inFlight = false;
  /** Writes the room answered: each answer is newer than any status read that began before it. */
  private answered = 0;

  constructor(
    private readonly live: () => LiveConnection | null,
    private readonly signedIn: () => boolean,
  ) {
    this.button = h(
      "button",
      { type: "button", class: "like-button", "aria-pressed": "false", "data-testid": "like-button", onclick: () => this.toggle() },
      h("span", { "aria-hidden": "true", class: "like-icon" }, "♥"),
      " ",
      h("span", { class: "like-label" }, "Like"),
    );
    this.countText = h("span", { class: "like-count", "data-testid": "like-count" }, "0");
    this.element = h("div", { class: "like" }, this.button, " ", this.countText, h("span", { class: "sr-only" }, " likes"));
    this.render();
  }

  /** Take before reading this user's like status over REST; hand it back to `setLiked`. */
  statusReadStamp(): number {
    // A write still in flight may land before or after the read: its answer decides.
    return this.inFlight ? -1 : this.answered;
  }

  /**
   * This user's like, from `GET /v1/users/:id/likes/:target`. With the stamp taken when that
   * read began, an answer that a write's own answer has overtaken is ignored: a read served
   * before a click must not unpress the button the room just confirmed.
   */
  setLiked(liked: boolean | null, readStamp?: number): void {
    if (readStamp !== undefined && readStamp !== this.answered) return;
    this.serverLiked = liked;
    if (!this.inFlight) this.wanted = liked;
    this.render();
  }

  /** A count from the room (hello, count frame or like event) with its seq; older seqs are ignored. */
  setCount(count: number, seq: number): void {
    if (seq < this.serverSeq) return;
    this.serverSeq = seq;
    this.serverCount = count;
    this.render();
  }

  private toggle(): void {
    if (!this.signedIn()) {
      announce("Sign in to like");
      return;
    }
    const current = this.wanted ?? this.serverLiked ?? false;
    this.wanted = !current;
    this.render();
    announce(this.wanted ? "Liked" : "Like removed");
    void this.flush();
  }

  private async flush(): Promise<void> {
    const live = this.live();
    if (this.inFlight || live === null || this.wanted === null || this.wanted === this.serverLiked) return;
    this.inFlight = true;
    const wanted = this.wanted;
    try {
      const result = await (wanted ? live.like() : live.unlike());
      this.answered += 1;
      this.serverLiked = result.liked;
      this.setCount(result.count, result.seq);
    } catch (error) {
      // Settle back on what the server last said; the button must never show a state it refused.
      this.wanted = this.serverLiked;
      announce(`Like failed: ${describeError(error)}`);
    } finally {
      this.inFlight = false;
    }
    if (this.wanted !== this.serverLiked && this.wanted !== null) {
      void this.flush();
      return;
    }
    this.render();
    if (this.serverLiked !== null) announce(`${this.serverLiked ? "You like this" : "You do not like this"}. ${plural(this.serverCount, "like", "likes")}`);
  }

  private render(): void {
    const liked = this.wanted ?? this.serverLiked ?? false;
    this.button.setAttribute("aria-pressed", String(liked));
    this.button.dataset.pending = String(this.inFlight || (this.wanted !== null && this.wanted !== this.serverLiked));
    // The optimistic count: the server's count plus this user's not-yet-confirmed change.
    const delta = this.serverLiked === null || this.wanted === null ? 0 : Number(this.wanted) - Number(this.serverLiked);
    setText(this.countText, formatCount(Math.max(0, this.serverCount + delta)));
  }
}
