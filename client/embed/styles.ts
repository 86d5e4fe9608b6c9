/**
 * Styles reach the shadow roots as constructable stylesheets (adoptedStyleSheets): no <style>
 * text, no inline styles, so a host whose CSP allows no inline style still renders us. Hosts
 * theme through custom properties on the element or any ancestor (they inherit into shadow
 * roots) and reach deeper with ::part(). `theme="auto"` follows prefers-color-scheme.
 */
const LIGHT = "--_fg:var(--engage-color,#1f2328);--_bg:var(--engage-background,#fff);--_muted:var(--engage-muted,#59636e);--_line:var(--engage-border-color,#d1d9e0);--_accent:var(--engage-accent,#cf222e)";
const DARK = "--_fg:var(--engage-color,#e6edf3);--_bg:var(--engage-background,#151b23);--_muted:var(--engage-muted,#9198a1);--_line:var(--engage-border-color,#3d444d);--_accent:var(--engage-accent,#ff7b72)";

// A pressed button shows the accent on its border and icon only, never as text colour: a host's
// accent (say #8250df on the dark background) may be too faint for text, and 3:1 suffices for
// borders and icons (WCAG 1.4.11), not for text (4.5:1, test/browser/embed-a11y.test.ts).
export const BASE_CSS = `
:host{${LIGHT};display:inline-flex;align-items:center;gap:var(--engage-spacing,.5rem);font:var(--engage-font,inherit);color:var(--_fg);vertical-align:middle}
:host([theme=dark]){${DARK}}
@media (prefers-color-scheme:dark){:host([theme=auto]){${DARK}}}
:host([hidden]){display:none}
button{font:inherit;color:inherit;background:var(--_bg);border:1px solid var(--_line);border-radius:var(--engage-radius,999px);min-block-size:44px;min-inline-size:44px;padding:0 calc(var(--engage-spacing,.5rem)*1.5);display:inline-flex;align-items:center;gap:calc(var(--engage-spacing,.5rem)*.75);cursor:pointer}
button:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
button[aria-pressed=true]{border-color:var(--_accent);box-shadow:inset 0 0 0 1px var(--_accent)}
button:disabled{cursor:progress;opacity:.7}
[part~=message]{color:var(--_muted);font-size:.875em}
[part~=message]:empty{display:none}
svg{inline-size:1.1em;block-size:1.1em;fill:none;stroke:currentColor;stroke-width:2}
[aria-pressed=true] svg{fill:var(--_accent);stroke:var(--_accent)}
`;

const sheets = new Map<string, CSSStyleSheet>();

/** One sheet per CSS text for the whole page: every element of a kind adopts the same object. */
export function sheet(css: string): CSSStyleSheet {
  let made = sheets.get(css);
  if (made === undefined) {
    made = new CSSStyleSheet();
    made.replaceSync(css);
    sheets.set(css, made);
  }
  return made;
}
