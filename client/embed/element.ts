import { TARGET_PATTERN } from "../../protocol/wire-constants";
import { baseUrlOf } from "./config";
import { en, loadMessages, pickLocale, plural } from "./i18n";
import type { Messages, Plural } from "./messages";
import { BASE_CSS, sheet } from "./styles";

/**
 * What every engage-* element shares: an open shadow root (hosts style ::part()s, tests reach
 * in), the page-wide stylesheets, the attributes `target`, `base-url`, `locale` and `theme`
 * (theme is pure CSS, :host([theme])), and a start/stop lifecycle around connection to the
 * document. DOM is built with createElement and textContent only (no innerHTML), so pages
 * under Trusted Types work and no text can become markup.
 */
export abstract class EngageElement extends HTMLElement {
  static observedAttributes = ["target", "base-url", "locale"];
  protected readonly root: ShadowRoot;
  protected t: Messages = en;
  protected locale = "en";
  private stopper: (() => void) | undefined;
  /** Set by connectedCallback: an upgrade calls attributeChangedCallback for every attribute first, which must not start it once per attribute. */
  private attached = false;

  constructor(css = "") {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.root.adoptedStyleSheets = [sheet(BASE_CSS), ...(css ? [sheet(css)] : [])];
  }

  connectedCallback(): void {
    this.attached = true;
    this.restart();
  }

  disconnectedCallback(): void {
    this.attached = false;
    this.stop();
  }

  attributeChangedCallback(_name: string, old: string | null, now: string | null): void {
    if (old !== now && this.attached) this.restart();
  }

  private stop(): void {
    this.stopper?.();
    this.stopper = undefined;
  }

  /** Started with a valid target and API; answers how to stop. */
  protected abstract start(base: string, target: string): () => void;
  /** Draws the current state in the current language. */
  protected abstract render(): void;

  protected plural(forms: Plural, n: number): string {
    return plural(this.locale, forms, n);
  }

  private restart(): void {
    this.stop();
    const target = this.getAttribute("target") ?? "";
    const locale = pickLocale([this.getAttribute("locale") ?? "", ...navigator.languages]);
    if (locale !== this.locale) {
      // Shown in English until the catalogue chunk arrives, then redrawn.
      void loadMessages(locale).then((messages) => {
        this.locale = locale;
        this.t = messages;
        this.render();
      });
    }
    if (!TARGET_PATTERN.test(target)) {
      this.render();
      return;
    }
    let base: string;
    try {
      base = baseUrlOf(this);
    } catch {
      return;
    }
    this.stopper = this.start(base, target);
  }
}

export function define(name: string, element: CustomElementConstructor): void {
  // Two copies of the script on a page (v1.js and a pinned URL) must not throw on the second.
  if (customElements.get(name) === undefined) customElements.define(name, element);
}
