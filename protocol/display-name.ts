import { matchKey, normaliseText, toWellFormed } from "./text";

/** Names travel in every comment and socket attachment: 64 UTF-16 units, as Actor allows. */
export const MAX_NAME_UNITS = 64;

/**
 * The name a user is shown under, from whatever a token (or the dev sign-in) says: lone
 * surrogates dropped, then the comment normaliser (no bidi overrides, no zero-width
 * characters), joiners only before an emoji, every run of whitespace one space, cut to 64
 * UTF-16 units without splitting a character. A name with nothing visible left (missing, empty, blank, invisible-only, not a
 * string) becomes the user id: a name is a courtesy, never a reason to refuse someone.
 */
export function displayName(raw: unknown, userId: string): string {
  if (typeof raw !== "string") return fallbackName(userId);
  const normalised = normaliseText(toWellFormed(raw));
  if (!normalised.ok || !normalised.visible) return fallbackName(userId);
  // A joiner inside a name only hides a difference ("Al\u200dice"); it stays in emoji sequences.
  const joined = normalised.text.replace(/\s+/gu, " ").replace(/[\u200c\u200d](?!\p{Extended_Pictographic})/gu, "");
  const name = cut(joined).trim();
  // 64 units of marks before the first letter: the cut left nothing to see.
  const shown = normaliseText(name);
  return shown.ok && shown.visible ? name : fallbackName(userId);
}

function fallbackName(userId: string): string {
  return cut(userId);
}

/** The longest prefix of whole code points within MAX_NAME_UNITS (a slice could split an emoji). */
function cut(text: string): string {
  let kept = "";
  for (const cp of text) {
    if (kept.length + cp.length > MAX_NAME_UNITS) break;
    kept += cp;
  }
  return kept;
}

/**
 * Look-alikes that NFKD leaves apart: Cyrillic and Greek letters drawn like Latin ones, and
 * the digits and signs people swap for letters. `i` folds to `l` as well, because a capital
 * `I` (lower-cased to `i`) and `l` are drawn alike in most fonts. Small on purpose: it
 * catches the imitations that cost nothing to type, and a false match only shows a user id.
 */
const CONFUSABLES: Record<string, string> = {
  а: "a", в: "b", е: "e", ё: "e", к: "k", м: "m", н: "h", о: "o", р: "p", с: "c", т: "t", у: "y", х: "x",
  i: "l", і: "l", ї: "l", ј: "j", ѕ: "s", ԁ: "d", ԛ: "q", ԝ: "w", ӏ: "l", һ: "h",
  α: "a", β: "b", ε: "e", η: "n", ι: "l", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ω: "w",
  "0": "o", "1": "l", "|": "l", "!": "l", "$": "s", "@": "a", _: "", "-": "", ".": "", " ": "",
};

/** What a name looks like: two names with the same skeleton read the same to a person. */
export function nameSkeleton(name: string): string {
  let skeleton = "";
  for (const cp of matchKey(name).key) skeleton += CONFUSABLES[cp] ?? cp;
  return skeleton;
}

export interface Author {
  id: string | null;
  name: string;
}

/**
 * The authors whose user id a page must show beside their name: anyone whose name is not
 * exactly their id (so a name cannot pass for another user's id), and anyone whose name
 * looks like another author's on the same page (so two "alice" can be told apart).
 * Erased authors (id null) have no id to show.
 */
export function idsToShow(authors: Iterable<Author>): Set<string> {
  const idsBySkeleton = new Map<string, Set<string>>();
  const show = new Set<string>();
  for (const { id, name } of authors) {
    if (id === null) continue;
    if (name !== id) show.add(id);
    const skeleton = nameSkeleton(name);
    const ids = idsBySkeleton.get(skeleton) ?? new Set<string>();
    ids.add(id);
    idsBySkeleton.set(skeleton, ids);
  }
  for (const ids of idsBySkeleton.values()) {
    if (ids.size > 1) for (const id of ids) show.add(id);
  }
  return show;
}
