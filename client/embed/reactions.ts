import { LiveTargetElement } from "./live-element";
import type { Bar } from "./reactions/bar";

/** The reaction bar's file, named by the build (scripts/build-embed.mjs) after its hash. */
declare const REACTIONS_CHUNK: string;

/**
 * `<engage-reactions target="post:abc">`: only a shell in v1.js, which every like button's page
 * loads. The bar itself (reactions/bar.ts) is fetched when a page shows one, and drawn from this
 * element's hub, its language and catalogue (the messages stay in v1's locales).
 */
export class EngageReactions extends LiveTargetElement {
  private bar: Promise<Bar> | undefined;

  protected render(): void {
    this.bar ??= import(REACTIONS_CHUNK).then((module: typeof import("./reactions/bar")) => module.mount(this.root));
    void this.bar.then((bar) => bar.render(this.hub, this.t, this.locale));
  }
}
