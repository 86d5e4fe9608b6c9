/**
 * The view's stylesheet, adopted after the elements' shared one (../styles.ts: colours, light
 * and dark themes, 44 px buttons). Every control is at least 44 px tall; the tabs wrap on a phone.
 */
export const MODERATION_CSS = `
:host{display:block;max-inline-size:var(--engage-max-width,48rem)}
section{display:grid;gap:var(--engage-spacing,.5rem)}
h2{font-size:1.15em;margin:0}
h3{font-size:1em;margin:0}
[part~=notice]{border-inline-start:3px solid var(--_accent);padding-inline-start:.5rem;margin:0}
[part~=notice]:empty{display:none}
[role=tablist]{display:flex;flex-wrap:wrap;gap:.25rem;border-block-end:1px solid var(--_line)}
[role=tab]{border-radius:var(--engage-radius,.5rem) var(--engage-radius,.5rem) 0 0}
[role=tab][aria-selected=true]{border-color:var(--_accent);box-shadow:inset 0 -3px 0 var(--_accent);font-weight:600}
[role=tabpanel]{display:grid;gap:.75rem;padding-block:.5rem}
[role=tabpanel]>div,form{display:grid;gap:.5rem}
[role=tabpanel]:focus-visible,[tabindex="-1"]:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
[hidden]{display:none!important}
[part~=row]{display:flex;flex-wrap:wrap;align-items:center;gap:var(--engage-spacing,.5rem);margin:0}
label{display:inline-flex;flex-wrap:wrap;align-items:center;gap:.5rem;min-block-size:44px}
label[part~=stack]{display:grid;gap:.25rem}
input,select,textarea{font:inherit;color:var(--_fg);background:var(--_bg);border:1px solid var(--_line);border-radius:.25rem}
input[type=text],input[type=number],select{min-block-size:44px;padding-inline:.5rem}
input[type=checkbox]{inline-size:1.25rem;block-size:1.25rem;margin:0}
textarea{padding:.5rem;min-block-size:6rem;resize:vertical}
ul,ol{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
[part~=item]{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .5rem;border-block-end:1px solid var(--_line);padding-block:.25rem}
[part~=report-group]{display:grid}
[part~=restrictions]{display:grid;gap:.5rem;padding-block-start:.5rem;border-block-start:1px solid var(--_line)}
[part~=restrictions] p{margin:0}
[part~=hint],[part~=empty]{color:var(--_muted);font-size:.875em}
[part~=who]{font-weight:600;overflow-wrap:anywhere}
[part~=text]{margin:0;padding-inline-start:.5rem;border-inline-start:2px solid var(--_line);white-space:pre-wrap;overflow-wrap:anywhere}
[part~=reasons]{gap:.125rem}
[part~=danger]{border-color:var(--_accent)}
[part~=question]{font-weight:600}
[part~=note]{color:var(--_fg);margin:0}
`;
