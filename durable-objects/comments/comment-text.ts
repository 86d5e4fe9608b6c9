/** Control characters other than tab and newline never display; they only hide things. */
// eslint-disable-next-line no-control-regex
const INVISIBLE_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const MENTION = /(?<![\p{L}\p{N}_@])@([\p{L}\p{N}_][\p{L}\p{N}_.-]{0,63})/gu;
export const MAX_MENTIONS = 20;

/**
 * The text a comment is stored with: newlines normalised, invisible controls and
 * direction overrides removed (they let a comment pretend to say something else), trimmed.
 * Nothing is escaped: it is plain text, and every client renders it as text.
 */
export function normaliseCommentText(raw: string): string {
  return raw.replace(/\r\n?/g, "\n").replace(INVISIBLE_CONTROLS, "").trim();
}

/** Length as people count it: code points, so an emoji is one character, not two. */
export function textLength(text: string): number {
  return [...text].length;
}

/** `@name` mentions, in order of first appearance, without a trailing dot or dash. */
export function parseMentions(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const name = match[1]!.replace(/[.-]+$/, "");
    if (name.length > 0) names.add(name);
    if (names.size === MAX_MENTIONS) break;
  }
  return [...names];
}
