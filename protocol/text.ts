/**
 * The one normaliser for text people read: comment text here, display names in
 * display-name.ts, and (later) the terms a room bans. It runs in the Worker, the room and the
 * page alike, so it imports nothing. Every function is a single pass over the code points
 * (plus the runtime's NFC/NFKD, which are linear), so no input makes it slow.
 */

/**
 * Never shown, never needed in plain text: C0/C1 controls but tab and newline, line and
 * paragraph separators, bidi marks, embeddings, overrides and isolates (they let text pretend
 * to say something else), zero-width space, word joiner and invisible operators, soft hyphen,
 * grapheme joiner, the Hangul fillers (U+3164 alone is a popular "blank name"), BOM,
 * interlinear annotations, and the other default-ignorable format characters.
 */
const DROPPED =
  // eslint-disable-next-line no-control-regex
  /^[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff0-\ufffb\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e001f}\u{e0080}-\u{e00ff}\u{e01f0}-\u{e0fff}]$/u;
/** Zero-width non-joiner and joiner: needed inside Persian or Indic words and emoji sequences. */
const JOINER = /^[\u200c\u200d]$/u;
/** Variation selectors (emoji vs text style, Mongolian forms): they only modify the character before. */
const SELECTOR = /^[\u180b-\u180d\u180f\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u;
/** Tag characters: only meaningful in a subdivision flag, after U+1F3F4 (black flag). */
const TAG = /^[\u{e0020}-\u{e007f}]$/u;
const BLACK_FLAG = "\u{1f3f4}";
/** Renders as nothing but is a real character (braille art uses it): kept, but never counts as visible. */
const BLANK = /^[\s\u2800]$/u;
const MARK = /^\p{M}$/u;

type Kind = "dropped" | "joiner" | "selector" | "tag" | "blank" | "mark" | "visible";

function kindOf(cp: string): Kind {
  if (DROPPED.test(cp)) return "dropped";
  if (JOINER.test(cp)) return "joiner";
  if (SELECTOR.test(cp)) return "selector";
  if (TAG.test(cp)) return "tag";
  if (BLANK.test(cp)) return "blank";
  if (MARK.test(cp)) return "mark";
  return "visible";
}

/**
 * True when every UTF-16 surrogate is paired. A lone one cannot be stored (SQLite and every
 * UTF-8 hop turn it into U+FFFD), so text with one is refused rather than silently changed.
 */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** Drops lone surrogates: for text we must accept (a token's name), not for text we store as sent. */
export function toWellFormed(text: string): string {
  return isWellFormed(text) ? text : text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "");
}

export interface NormalisedText {
  /** What is stored and shown. */
  text: string;
  /** Length as people count it: code points, so an emoji is one character, not two. */
  length: number;
  /** False when nothing in `text` shows: only spaces, blanks, marks and joiners (or nothing). */
  visible: boolean;
}

export type TextRefusal = { ok: false; code: "text_ill_formed"; message: string };

/**
 * Normalises text a person wrote: refuses ill-formed UTF-16, turns `\r\n` and `\r` into `\n`,
 * composes to NFC, removes the characters in DROPPED, keeps joiners only between two shown
 * characters, variation selectors only right after one and tags only in a flag, and trims
 * whitespace and blanks. Length, emptiness and storage all read its answer; comparisons (the
 * profanity filter, the repeat check, names) read matchKey of it.
 */
export function normaliseText(raw: string): ({ ok: true } & NormalisedText) | TextRefusal {
  if (!isWellFormed(raw)) return { ok: false, code: "text_ill_formed", message: "text is not well-formed UTF-16 (a lone surrogate)" };
  const cps = [...raw.replace(/\r\n?/g, "\n").normalize("NFC")];
  const kept: string[] = [];
  const kinds: Kind[] = [];
  const keep = (cp: string, kind: Kind) => {
    kept.push(cp);
    kinds.push(kind);
  };
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const kind = kindOf(cp);
    const before = kinds.at(-1);
    switch (kind) {
      case "dropped":
        break;
      case "joiner": {
        // Between two shown characters (a mark or selector may end the first, as in Devanagari or emoji).
        const next = nextKept(cps, i + 1);
        if ((before === "visible" || before === "mark" || before === "selector") && next === "visible") keep(cp, kind);
        break;
      }
      case "selector":
        if (before === "visible" || before === "mark") keep(cp, kind);
        break;
      case "tag":
        if (before === "tag" || kept.at(-1) === BLACK_FLAG) keep(cp, kind);
        break;
      default:
        keep(cp, kind);
    }
  }
  let start = 0;
  let end = kept.length;
  while (start < end && kinds[start] === "blank") start++;
  while (end > start && kinds[end - 1] === "blank") end--;
  const text = kept.slice(start, end).join("");
  return { ok: true, text, length: end - start, visible: kinds.slice(start, end).includes("visible") };
}

/** The kind of the next character that DROPPED does not remove. */
function nextKept(cps: readonly string[], from: number): Kind | null {
  for (let i = from; i < cps.length; i++) {
    const kind = kindOf(cps[i]!);
    if (kind !== "dropped") return kind;
  }
  return null;
}

/**
 * What two texts are compared by: compatibility-decomposed (NFKD: full-width and
 * mathematical letters become plain ones), without marks, joiners, selectors and tags,
 * lower case, every run of whitespace or blanks one space, trimmed. `sourceStart[i]` and
 * `sourceEnd[i]` give, for each UTF-16 unit of `key`, the units of the input it came from,
 * so a match found in the key can be masked in the input.
 */
export interface MatchKey {
  key: string;
  sourceStart: number[];
  sourceEnd: number[];
}

export function matchKey(text: string): MatchKey {
  let key = "";
  const sourceStart: number[] = [];
  const sourceEnd: number[] = [];
  const push = (piece: string, from: number, to: number) => {
    key += piece;
    for (let j = 0; j < piece.length; j++) {
      sourceStart.push(from);
      sourceEnd.push(to);
    }
  };
  let offset = 0;
  let pendingSpace: [number, number] | null = null;
  for (const cp of text) {
    const from = offset;
    offset += cp.length;
    const kind = kindOf(cp);
    if (kind === "blank") {
      pendingSpace ??= [from, offset];
      continue;
    }
    if (kind !== "visible") continue;
    let piece = "";
    for (const part of cp.normalize("NFKD").toLowerCase()) {
      const partKind = kindOf(part);
      if (partKind === "visible") piece += part;
    }
    if (piece.length === 0) continue;
    if (pendingSpace !== null && key.length > 0) push(" ", pendingSpace[0], pendingSpace[1]);
    pendingSpace = null;
    push(piece, from, offset);
  }
  return { key, sourceStart, sourceEnd };
}
