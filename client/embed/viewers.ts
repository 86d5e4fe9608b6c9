import { el } from "./dom";
import { LiveTargetElement } from "./live-element";

/** `<engage-viewers target="stream:abc">`: how many people watch this target now, live. */
export class EngageViewers extends LiveTargetElement {
  private readonly text = el("span", { part: "viewers", dir: "auto" });

  constructor() {
    super();
    this.root.append(this.text);
  }

  protected render(): void {
    const viewers = this.hub?.state.viewers;
    this.text.textContent = viewers == null ? "" : this.plural(this.t.viewers, viewers);
  }
}
