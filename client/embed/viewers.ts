import { el, EngageElement } from "./element";
import { hubFor, type Hub } from "./hub";

/** `<engage-viewers target="stream:abc">`: how many people watch this target now, live. */
export class EngageViewers extends EngageElement {
  private hub: Hub | undefined;
  private readonly text = el("span", { part: "viewers", dir: "auto" });

  constructor() {
    super();
    this.root.append(this.text);
  }

  protected start(base: string, target: string): () => void {
    const hub = hubFor(base, target);
    this.hub = hub;
    const stop = hub.subscribe(() => this.render());
    return () => {
      stop();
      this.hub = undefined;
    };
  }

  protected render(): void {
    const viewers = this.hub?.state.viewers;
    this.text.textContent = viewers == null ? "" : this.plural(this.t.viewers, viewers);
  }
}
