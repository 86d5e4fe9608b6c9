import type { HeldFor } from "../../protocol/held";
import type { RoomSettings } from "../../protocol/moderation";
import { matchKey } from "../../protocol/text";
import { firstWriteAt } from "./chat-modes";

/** What the hold rules read beyond the settings. */
export interface HoldInput {
  settings: RoomSettings;
  userId: string;
  /** Moderators are never held. */
  moderator: boolean;
  /** The comment as it will be stored (normalised and filtered). */
  text: string;
  /** Whether the text matches one of the room's suspect terms (terms-store.ts). */
  suspect: (text: string) => boolean;
  now: number;
}

/**
 * Why a new comment waits for a moderator (docs/moderation.md "Held comments"), or null when
 * it is published at once. The first rule that applies names it: a suspect term, then
 * pre-moderation, then a link from a newcomer, then the room's publish delay (the one hold that
 * ends by itself, so any rule that needs a moderator comes first). Reports hide a published comment later
 * (comments/held-comments.ts), not here.
 */
export function holdReason(sql: SqlStorage, input: HoldInput): HeldFor | null {
  const { settings, text, now } = input;
  if (input.moderator) return null;
  if (input.suspect(text)) return "suspect_term";
  if (settings.premoderation) return "premoderation";
  if (settings.newcomerLinkMinutes > 0 && hasLink(text)) {
    // No write here yet is the newest newcomer of all.
    const first = firstWriteAt(sql, input.userId);
    if (first === null || now - first < settings.newcomerLinkMinutes * 60_000) return "newcomer_link";
  }
  if (settings.publishDelaySeconds > 0) return "delay";
  return null;
}

/**
 * Top-level domains a link in a comment ends with when it has no scheme (`example.com/x`).
 * A short list of the common and the abused ones: "end.Next" typed without a space must not
 * count as a link, and every name a spammer uses is a string, not a pattern.
 */
const BARE_TLDS = new Set(
  "com net org io co me tv gg ly app dev xyz info biz site online top club shop store live link click ru cn de uk fr es it nl pl br in jp us ca au eu tk ml ga cf gq su to cc ws sh ai".split(" "),
);

/** A scheme or `www.` starts a link; each token is checked on its own, so the scan stays linear. */
const SCHEME = /^(?:[a-z][a-z0-9+.-]{1,15}:\/\/|www\.)/;
const HOST = /^[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+$/u;

/**
 * Whether a comment holds a link: a URL with a scheme, `www.` or a bare domain with a known
 * top-level domain. Read on the match key (protocol/text.ts: lower-cased, compatibility forms
 * and invisible characters folded), so full-width letters and zero-width joiners do not hide one.
 */
export function hasLink(text: string): boolean {
  for (const raw of matchKey(text).key.split(" ")) {
    if (SCHEME.test(raw)) return true;
    // Fullwidth and ideographic full stops fold to "." in NFKD; trailing punctuation is the sentence's.
    const token = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}/]+$/gu, "");
    const host = token.split(/[/?#:]/, 1)[0] ?? "";
    if (host.includes("@")) continue;
    if (!HOST.test(host)) continue;
    const tld = host.slice(host.lastIndexOf(".") + 1);
    if (BARE_TLDS.has(tld)) return true;
  }
  return false;
}
