import { currentToken } from "./config";
import { EngageElement } from "./element";
import { hubFor } from "./hub";
import type { Section } from "./comments/section";

/** The comment section's file, named by the build (scripts/build-embed.mjs) after its hash. */
declare const COMMENTS_CHUNK: string;

/**
 * `<engage-comments target="post:abc">`: only a shell in v1.js (every byte here is paid by a
 * like button's page too). The section itself (comments/) is a separate build fetched when a
 * page shows one; it is handed this page's hub, so it shares the target's one live connection,
 * and the token provider configure() set.
 */
export class EngageComments extends EngageElement {
  private section: Promise<Section> | undefined;

  protected start(base: string, target: string): () => void {
    const section = (this.section = import(COMMENTS_CHUNK).then((module: typeof import("./comments/section")) => module.mount(this.root, hubFor(base, target), currentToken)));
    this.render();
    return () => void section.then((shown) => shown.stop());
  }

  protected render(): void {
    void this.section?.then((shown) => shown.render(this.locale));
  }
}
