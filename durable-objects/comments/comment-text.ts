const MENTION = /(?<![\p{L}\p{N}_@])@([\p{L}\p{N}_][\p{L}\p{N}_.-]{0,63})/gu;
export const MAX_MENTIONS = 20;

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
