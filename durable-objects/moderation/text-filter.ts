import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from "obscenity";
import { matchKey } from "../../protocol/text";
import type { RoomSettings } from "../../protocol/moderation";
import type { RoomError } from "../../protocol/internal/room-rpc";
import type { TermMatcher } from "./term-matcher";

type FilterMode = RoomSettings["filter"];

let matcher: RegExpMatcher | null = null;

/** Built on first use: compiling the dataset costs a few milliseconds a room may never need. */
function profanityMatcher(): RegExpMatcher {
  matcher ??= new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  return matcher;
}

/**
 * Applies a room's `filter` setting to a comment's (normalised) text: "mask" replaces each
 * character of a matched word with `*`, "reject" refuses the comment, "off" keeps it as sent.
 * Matching reads the text's matchKey (protocol/text.ts), so accents, stacked combining marks,
 * joiners and full-width or mathematical letters do not hide a word; obscenity's English set
 * and transformers then catch l33t spellings and look-alike characters as well.
 *
 * `blocked` is the room's own blocked terms (term-matcher.ts), read from the same key: under
 * "reject" they refuse with `blocked_term`, under "mask" they are masked like the built-in
 * words, and "off" turns off the built-in list only: a room's own terms are then masked.
 */
export function filterCommentText(text: string, mode: FilterMode, blocked?: TermMatcher): { ok: true; text: string } | RoomError {
  const useTerms = blocked !== undefined && !blocked.empty;
  if (mode === "off" && !useTerms) return { ok: true, text };
  const folded = matchKey(text);
  const terms = useTerms ? blocked.matchKeyText(folded.key) : [];
  if (terms.length > 0 && mode === "reject") {
    return { status: 400, code: "blocked_term", message: "the comment contains a term this room blocks" };
  }
  const matches = mode === "off" ? [] : profanityMatcher().getAllMatches(folded.key, true);
  if (matches.length === 0 && terms.length === 0) return { ok: true, text };
  if (mode === "reject") return { status: 400, code: "text_rejected", message: "the comment contains words this room does not allow" };
  const ranges = [
    ...matches.map((match) => sourceRange(folded, match.startIndex, match.endIndex)),
    ...terms.map((hit) => sourceRange(folded, hit.start, hit.end - 1)),
  ];
  return { ok: true, text: mask(text, ranges) };
}

/** The units of the text that key units `startIndex`..`lastIndex` (inclusive, as obscenity counts) came from, end exclusive. */
function sourceRange(folded: ReturnType<typeof matchKey>, startIndex: number, lastIndex: number): [number, number] {
  return [folded.sourceStart[startIndex]!, folded.sourceEnd[lastIndex]!];
}

/** One `*` per shown character in the ranges; the marks and joiners that hid the word go with it. */
function mask(text: string, ranges: [number, number][]): string {
  ranges.sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  for (const [start, end] of ranges) {
    if (end <= at) continue;
    out += text.slice(at, Math.max(at, start));
    for (const cp of text.slice(Math.max(at, start), end)) {
      if (/^[\s\u2800]$/u.test(cp)) out += cp;
      else if (!/^[\p{M}\p{Cf}\u180b-\u180f\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u.test(cp)) out += "*";
    }
    at = end;
  }
  return out + text.slice(at);
}
