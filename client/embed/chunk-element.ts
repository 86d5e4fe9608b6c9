import { currentToken } from "./config";
import { EngageElement } from "./element";
import { hubFor, type Hub } from "./hub";

/** What a lazily loaded build draws into an element's shadow root. */
export interface Shown {
  render(locale: string): void;
  stop(): void;
}

export interface Chunk {
  mount(root: ShadowRoot, hub: Hub, token: () => Promise<string | null>): Shown;
}

/**
 * An element that is only a shell in v1.js (every byte here is paid by a like button's page
 * too): the view itself is a separate build, fetched when a page shows the tag and handed this
 * page's hub for the target (one socket per target) and configure()'s token provider.
 */
export abstract class ChunkElement extends EngageElement {
  private shown: Promise<Shown> | undefined;

  protected abstract load(): Promise<Chunk>;

  protected start(base: string, target: string): () => void {
    const shown = (this.shown = this.load().then((module) => module.mount(this.root, hubFor(base, target), currentToken)));
    this.render();
    return () => void shown.then((view) => view.stop());
  }

  protected render(): void {
    void this.shown?.then((view) => view.render(this.locale));
  }
}
