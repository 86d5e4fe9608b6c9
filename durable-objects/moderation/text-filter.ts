import { englishDataset, englishRecommendedTransformers, RegExpMatcher, type MatchPayload } from "obscenity";
import { matchKey } from "../../protocol/text";
import type { RoomSettings } from "../../protocol/moderation";
import type { RoomError } from "../../protocol/internal/room-rpc";

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
 */
export function filterCommentText(text: string, mode: FilterMode): { ok: true; text: string } | RoomError {
  if (mode === "off") return { ok: true, text };
  const folded = matchKey(text);
  const matches = profanityMatcher().getAllMatches(folded.key, true);
  if (matches.length === 0) return { ok: true, text };
  if (mode === "reject") return { status: 400, code: "text_rejected", message: "the comment contains words this room does not allow" };
  return { ok: true, text: mask(text, matches.map((match) => sourceRange(folded, match))) };
}

/** The units of the text a match in its key came from, end exclusive. */
function sourceRange(folded: ReturnType<typeof matchKey>, match: MatchPayload): [number, number] {
  return [folded.sourceStart[match.startIndex]!, folded.sourceEnd[match.endIndex]!];
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
