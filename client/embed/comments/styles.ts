/**
 * The section's stylesheet, adopted after the elements' shared one (../styles.ts: colours,
 * themes, 44 px buttons). Only --engage-* custom properties and ::part() reach in from the host.
 * On a phone the main comment box sticks to the top of the screen while the section is in view,
 * so a reader deep in the list can still write (a host with a fixed header sets
 * --engage-sticky-top to its height); sticky, not fixed, so it never covers the host's page
 * outside the section.
 */
export const COMMENTS_CSS = `
:host{display:block;max-inline-size:var(--engage-max-width,48rem)}
[part~=section]{display:grid;gap:var(--engage-spacing,.5rem)}
h2{font-size:1.15em;margin:0}
[part~=notice]{color:var(--_fg);border-inline-start:3px solid var(--_accent);padding-inline-start:.5rem}
[part~=notice]:empty{display:none}
form{display:grid;gap:.25rem}
textarea{font:inherit;color:var(--_fg);background:var(--_bg);border:1px solid var(--_line);border-radius:var(--engage-radius,.5rem);padding:.5rem;min-block-size:4.5rem;resize:vertical}
textarea:focus-visible,select:focus-visible,input:focus-visible,[tabindex="-1"]:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
[part~=row]{display:flex;flex-wrap:wrap;align-items:center;gap:var(--engage-spacing,.5rem)}
[part~=counter],[part~=hint],time,[part~=state]{color:var(--_muted);font-size:.875em}
[part~=counter][data-over]{color:var(--_fg);font-weight:600}
ol{list-style:none;margin:0;padding:0;display:grid;gap:calc(var(--engage-spacing,.5rem)*1.5)}
ol ol{margin-block-start:.5rem;padding-inline-start:1rem;border-inline-start:2px solid var(--_line)}
article{display:grid;gap:.25rem}
article[data-highlighted]{border-inline-start:3px solid var(--_accent);padding-inline-start:.5rem}
[part~=author]{font-weight:600}
[part~=badge]{font-size:.75em;border:1px solid var(--_line);border-radius:999px;padding:0 .4rem}
[part~=text]{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
[part~=mention]{font-weight:600}
[part~=pending]{opacity:.8}
[part~=new-comments]{position:sticky;inset-block-start:.5rem;z-index:1;justify-self:center}
[part~=pinned]{border:1px solid var(--_line);border-radius:var(--engage-radius,.5rem);padding:.5rem}
[part~=pinned]:empty,[hidden]{display:none}
fieldset{border:1px solid var(--_line);border-radius:var(--engage-radius,.5rem);display:grid;gap:.5rem}
label{display:inline-flex;align-items:center;gap:.5rem;min-block-size:44px}
select{font:inherit;color:var(--_fg);background:var(--_bg);border:1px solid var(--_line);border-radius:.25rem;min-block-size:44px}
input[type=checkbox]{inline-size:1.25rem;block-size:1.25rem}
@media (max-width:40rem),(pointer:coarse){form[part~=main]{position:sticky;inset-block-start:var(--engage-sticky-top,0);z-index:2;background:var(--_bg);padding-block:.5rem}textarea[part~=main]{min-block-size:2.75rem}[part~=new-comments]{z-index:3}}
`;

let made: CSSStyleSheet | undefined;

/** One sheet for every comment section of the page. */
export function commentsSheet(): CSSStyleSheet {
  if (made === undefined) {
    made = new CSSStyleSheet();
    made.replaceSync(COMMENTS_CSS);
  }
  return made;
}
