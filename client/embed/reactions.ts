import { el } from "./element";
import { LiveTargetElement } from "./live-element";
import { WriteError } from "./hub";

/** What the room's named reactions look like; an emoji reaction is its own glyph. */
const GLYPHS: Record<string, string> = { like: "👍", love: "❤️", haha: "😂", wow: "😮", sad: "😢", angry: "😠" };

/**
 * `<engage-reactions target="post:abc">`: the room's reactions (its settings say which) with
 * their counts, live; the ones this viewer pressed are aria-pressed.
 */
export class EngageReactions extends LiveTargetElement {
  private readonly list = el("span", { part: "reactions", role: "group" });
  private readonly message = el("span", { part: "message", role: "status", dir: "auto" });
  private shown = "";
  private note: "signInToReact" | "failed" | null = null;

  constructor() {
    super();
    this.root.append(this.list, this.message);
  }

  protected render(): void {
    const state = this.hub?.state;
    this.list.setAttribute("aria-label", this.t.reactions);
    const allowed = state?.allowed ?? [];
    // The name comes from the content ("like 3"), so it holds the visible count (WCAG 2.5.3).
    // Buttons are rebuilt only when the room's set changes, so focus stays on the one pressed.
    if (allowed.join() !== this.shown) {
      this.shown = allowed.join();
      this.list.replaceChildren(
        ...allowed.map((emoji) => {
          const button = el("button", { part: "reaction", type: "button", "data-emoji": emoji }, el("span", { role: "img", "aria-label": emoji }, GLYPHS[emoji] ?? emoji), el("span", { part: "reaction-count" }));
          button.addEventListener("click", () => void this.react(emoji));
          return button;
        }),
      );
    }
    for (const button of this.list.children) {
      const emoji = button.getAttribute("data-emoji") ?? "";
      button.setAttribute("aria-pressed", String(state?.mine.has(emoji) ?? false));
      const count = state?.reactions[emoji] ?? 0;
      if (button.lastChild) button.lastChild.textContent = count > 0 ? new Intl.NumberFormat(this.locale).format(count) : "";
    }
    this.message.textContent = this.note === null ? "" : this.t[this.note];
  }

  private async react(emoji: string): Promise<void> {
    const hub = this.hub;
    if (hub === undefined) return;
    this.note = null;
    try {
      await hub.react(emoji, !hub.state.mine.has(emoji));
    } catch (error) {
      this.note = error instanceof WriteError && error.code === "sign_in" ? "signInToReact" : "failed";
    }
    this.render();
  }
}
