import { el } from "./dom";
import { LiveTargetElement } from "./live-element";
import { WriteError } from "./hub";
import type { Messages } from "./messages";

const SVG = "http://www.w3.org/2000/svg";
const HEART = "M12 20s-7-4.4-9-8.8C1.6 8 3.6 5 6.7 5c2 0 3.4 1.1 4.3 2.4C11.9 6.1 13.3 5 15.3 5c3.1 0 5.1 3 3.7 6.2C19 15.6 12 20 12 20z";

/**
 * `<engage-like target="post:abc">`: the like button with the exact count, live. Pressing it
 * likes or unlikes over the target's shared socket; without a signed-in user it says so on
 * screen (and to screen readers, through its own live region).
 */
export class EngageLike extends LiveTargetElement {
  private readonly button = el("button", { part: "button", type: "button", "aria-pressed": "false" });
  private readonly label = el("span", { part: "label" });
  private readonly count = el("span", { part: "count" });
  private readonly message = el("span", { part: "message", role: "status", dir: "auto" });
  private note: keyof Messages | null = null;
  private busy = false;

  constructor() {
    super();
    const icon = document.createElementNS(SVG, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("part", "icon");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", HEART);
    icon.append(path);
    this.button.append(icon, this.label, this.count);
    this.button.addEventListener("click", () => void this.toggle());
    this.root.append(this.button, this.message);
  }

  protected render(): void {
    const state = this.hub?.state;
    this.button.setAttribute("aria-pressed", String(state?.liked ?? false));
    this.button.setAttribute("aria-busy", String(this.busy));
    this.label.textContent = this.t.like;
    this.count.textContent = state?.count == null ? "" : new Intl.NumberFormat(this.locale).format(state.count);
    const note = this.note ?? (state !== undefined && state.status !== "open" && state.count !== null ? "offline" : null);
    this.message.textContent = note === null ? "" : String(this.t[note]);
  }

  private async toggle(): Promise<void> {
    const hub = this.hub;
    if (hub === undefined || this.busy) return;
    this.busy = true;
    this.note = null;
    this.render();
    try {
      const result = await hub.like(!(hub.state.liked ?? false));
      // For the host page: a confirmation in its own words (the live page announces it).
      if (result) this.dispatchEvent(new CustomEvent("engage-liked", { bubbles: true, detail: { liked: result.liked, count: result.count } }));
    } catch (error) {
      this.note = error instanceof WriteError && error.code === "sign_in" ? "signInToLike" : "failed";
    } finally {
      this.busy = false;
      this.render();
    }
  }
}
