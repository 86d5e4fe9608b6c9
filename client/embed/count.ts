import { watchCount } from "./counts";
import { el } from "./dom";
import { EngageElement } from "./element";

/**
 * `<engage-count target="post:abc">`: a like count for listing pages. Opens no socket and
 * counts as no viewer; all of a page's counts share one batched GET (counts.ts).
 */
export class EngageCount extends EngageElement {
  private readonly text = el("span", { part: "count", dir: "auto" });
  private value: number | null = null;

  constructor() {
    super();
    this.root.append(this.text);
  }

  /** The last count shown, or null before the first read. */
  get count(): number | null {
    return this.value;
  }

  protected start(base: string, target: string): () => void {
    this.value = null;
    this.render();
    return watchCount({
      base,
      target,
      element: this,
      show: (count) => {
        this.value = count;
        this.render();
      },
    });
  }

  protected render(): void {
    this.text.textContent = this.value === null ? "" : this.plural(this.t.likes, this.value);
  }
}
