import { asteriskCensorStrategy, englishDataset, englishRecommendedTransformers, RegExpMatcher, TextCensor } from "obscenity";
import type { RoomSettings } from "../../protocol/moderation";
import type { RoomError } from "../../protocol/room-rpc";

type FilterMode = RoomSettings["filter"];

let matcher: RegExpMatcher | null = null;
const censor = new TextCensor().setStrategy(asteriskCensorStrategy());

/** Built on first use: compiling the dataset costs a few milliseconds a room may never need. */
function profanityMatcher(): RegExpMatcher {
  matcher ??= new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  return matcher;
}

/**
 * Applies a room's `filter` setting to a comment's text: "mask" replaces each matched
 * character with `*`, "reject" refuses the comment, "off" keeps it as sent. Matching uses
 * obscenity's English set with its transformers, so l33t spellings and look-alike
 * characters are caught as well.
 */
export function filterCommentText(text: string, mode: FilterMode): { ok: true; text: string } | RoomError {
  if (mode === "off") return { ok: true, text };
  const matches = profanityMatcher().getAllMatches(text, true);
  if (matches.length === 0) return { ok: true, text };
  if (mode === "reject") return { status: 400, code: "text_rejected", message: "the comment contains words this room does not allow" };
  return { ok: true, text: censor.applyTo(text, matches) };
}
