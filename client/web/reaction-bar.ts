import type { LiveConnection } from "../live";
import { announce } from "./announcer";
import { describeError } from "./api";
import { formatCount, h, replaceChildren, setText } from "./dom";

/** How the default reaction names look; emoji reactions show as themselves. */
const GLYPHS: Record<string, string> = { like: "👍", love: "❤️", haha: "😂", wow: "😮", sad: "😢", angry: "😠" };

interface ReactionView {
  button: HTMLButtonElement;
  count: HTMLElement;
  mine: boolean;
}

/**
 * The room's reactions (from `settings.reactions`) with live counts. The API has no "my
 * reactions" read, so a button's pressed state is what this page's own writes were answered.
 */
export class ReactionBar {
  readonly element = h("div", { class: "reactions", role: "group", "aria-label": "Reactions", "data-testid": "reactions" });
  private readonly views = new Map<string, ReactionView>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly live: () => LiveConnection | null,
    private readonly signedIn: () => boolean,
  ) {}

  /** The emoji the room accepts, and their counts (hello); rebuilds the buttons. */
  reset(emoji: readonly string[], counts: Record<string, number>): void {
    this.counts.clear();
    for (const [name, count] of Object.entries(counts)) this.counts.set(name, count);
    const mine = new Map([...this.views].map(([name, view]) => [name, view.mine]));
    this.views.clear();
    replaceChildren(this.element, ...emoji.map((name) => this.buildButton(name, mine.get(name) ?? false)));
  }

  setCount(emoji: string, count: number): void {
    this.counts.set(emoji, count);
    const view = this.views.get(emoji);
    if (view !== undefined) this.render(emoji, view);
  }

  private buildButton(name: string, mine: boolean): HTMLButtonElement {
    const count = h("span", { class: "reaction-count" }, "0");
    const button = h(
      "button",
      { type: "button", class: "reaction", "data-emoji": name, onclick: () => void this.toggle(name) },
      h("span", { "aria-hidden": "true" }, GLYPHS[name] ?? name),
      " ",
      count,
    );
    const view = { button, count, mine };
    this.views.set(name, view);
    this.render(name, view);
    return button;
  }

  private async toggle(name: string): Promise<void> {
    const view = this.views.get(name);
    const live = this.live();
    if (view === undefined) return;
    if (!this.signedIn() || live === null) {
      announce("Sign in to react");
      return;
    }
    const action = view.mine ? "remove" : "add";
    view.button.disabled = true;
    try {
      const result = await live.react(name, action);
      view.mine = result.reacted;
      this.counts.set(name, result.count);
      announce(`${result.reacted ? "Reacted" : "Reaction removed"}: ${name}, ${formatCount(result.count)}`);
    } catch (error) {
      announce(`Reaction failed: ${describeError(error)}`);
    } finally {
      view.button.disabled = false;
      this.render(name, view);
    }
  }

  private render(name: string, view: ReactionView): void {
    const count = this.counts.get(name) ?? 0;
    setText(view.count, formatCount(count));
    view.button.setAttribute("aria-pressed", String(view.mine));
    view.button.setAttribute("aria-label", `React ${name}, ${formatCount(count)}`);
  }
}
