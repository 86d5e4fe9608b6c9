import { EngageElement } from "./element";
import { hubFor, type Hub } from "./hub";

/** An element that follows one target live, through the page's one connection for it (hub.ts). */
export abstract class LiveTargetElement extends EngageElement {
  protected hub: Hub | undefined;

  protected start(base: string, target: string): () => void {
    const hub = hubFor(base, target);
    this.hub = hub;
    const stop = hub.subscribe(() => this.render());
    return () => {
      stop();
      this.hub = undefined;
    };
  }
}
