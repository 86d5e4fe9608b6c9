import { el } from "../dom";
import type { Hub } from "../hub";
import type { Messages } from "../messages";

/** What the room's named reactions look like; an emoji reaction is its own glyph. */
const GLYPHS: Record<string, string> = { like: "👍", love: "❤️", haha: "😂", wow: "😮", sad: "😢", angry: "😠" };
const CSS = "[part~=reactions]{display:inline-flex;flex-wrap:wrap;gap:calc(var(--engage-spacing,.5rem)*.5)}";
/** One sheet for every reactions element of the page, adopted after the shared one (../styles.ts). */
let sheet: CSSStyleSheet | undefined;

export interface Bar {
  /** Draws the hub's reactions (none before the element has a target) in the element's language. */
  render(hub: Hub | undefined, t: Messages, locale: string): void;
}

/** Called by the v1 shell (../reactions.ts) once this build has loaded. */
export function mount(root: ShadowRoot): Bar {
  return new ReactionBar(root);
}

/**
 * The room's reactions (its settings say which) with their counts, live; the ones this viewer
 * holds (the hello's `mine` and this page's writes, kept by the hub) are aria-pressed. The
 * element's shell lives in v1.js; this is a build of its own, so a like button's page never
 * pays for it. It takes the element's hub rather than importing ../hub: one socket per target.
 */
class ReactionBar implements Bar {
  private readonly list = el("span", { part: "reactions", role: "group" });
  private readonly message = el("span", { part: "message", role: "status", dir: "auto" });
  private shown = "";
  private note: "signInToReact" | "failed" | null = null;
  private hub: Hub | undefined;
  private t!: Messages;
  private locale = "en";

  constructor(root: ShadowRoot) {
    if (sheet === undefined) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    root.append(this.list, this.message);
  }

  render(hub: Hub | undefined, t: Messages, locale: string): void {
    this.hub = hub;
    this.t = t;
    this.locale = locale;
    this.draw();
  }

  private draw(): void {
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
      // The hub's WriteError, matched by shape: importing the class would bundle the hub in here.
      this.note = error instanceof Error && "code" in error && error.code === "sign_in" ? "signInToReact" : "failed";
    }
    this.draw();
  }
}
