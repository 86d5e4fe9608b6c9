/**
 * The wire's constants without a schema library: the browser embed (client/embed) and the zod/mini
 * mirrors (protocol/mini/) import these, so they never pull classic zod into a page. The classic
 * schemas (live.ts, target.ts, comments.ts, reactions.ts) are built from the same values.
 */

/**
 * The live WebSocket protocol's version. Bump it on any change an old peer would misread; a
 * client that asks for another version gets an `incompatible` frame and a close.
 */
export const PROTOCOL_VERSION = 2;

/**
 * Pings are answered by the runtime's auto-response, which matches the exact text, so
 * these two strings are the whole ping protocol and a ping never wakes the room.
 */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** Close codes in the application range (4000-4999) plus the standard ones we use (docs/realtime.md). */
export const CLOSE_CODES = {
  normal: 1000,
  /** The client's close frame carried a code no endpoint may send (RFC 6455 7.4). */
  protocolError: 1002,
  /** A text frame held invalid UTF-8 (a raw U+FFFD, see decodeClientFrame). */
  invalidPayload: 1007,
  policyViolation: 1008,
  tryAgainLater: 1013,
  /**
   * This socket's place in the room changed: its user became a moderator while it was on a
   * relay, and moderators' sockets are held by the room itself (docs/relays.md). Not a refusal:
   * the client reconnects with `since` as after any drop, and lands in the room.
   */
  moved: 4307,
  incompatible: 4400,
  /** The ticket is unreadable or forged, or the URL carried `?token=` (tokens never go in URLs). */
  ticketInvalid: 4401,
  /**
   * The ticket was minted for another target, or from another Origin than the upgrade's, or
   * the upgrade's Origin may not open this socket (CORS_ORIGINS, docs/cors.md).
   */
  ticketForbidden: 4403,
  /** The ticket is older than TICKET_TTL_MS (protocol/live-tickets.ts): mint a fresh one. */
  ticketExpired: 4408,
  /** The ticket already opened a socket: each one opens exactly one. */
  ticketUsed: 4409,
  /**
   * The socket sent more frames than its budget allows (durable-objects/frame-budget.ts), or a
   * signed-in socket would store a new room past the user's daily quota (`quota_exceeded`).
   */
  tooManyFrames: 4429,
} as const;

export const TARGET_PATTERN = /^(post|game|stream|comment):[A-Za-z0-9_-]{1,64}$/;
/** Comment ids sort by creation time (durable-objects/comments/comment-id.ts). */
export const COMMENT_ID_PATTERN = /^[0-9a-z]{9}[0-9a-z]{7}[A-Za-z0-9]{6}$/;
/** A reaction is a short name (`love`, `party_popper`) or an emoji sequence (`🎉`, `👍🏽`). */
export const EMOJI_PATTERN = /^(?:[a-z0-9_+-]+|[\p{Extended_Pictographic}\p{Emoji_Component}\u200d\ufe0f]+)$/u;
/** The random id of a `mark` frame (flow control, docs/realtime.md). */
export const MARK_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const MAX_COMMENT_LENGTH = 500;
export const MAX_BATCH_TARGETS = 100;

/**
 * Serialises a client frame for the wire. The runtime hands the room each invalid UTF-8
 * sequence of a text frame already replaced by U+FFFD, so the room takes a raw U+FFFD for
 * invalid UTF-8 and closes with 1007; a client that means the character sends it escaped.
 * JSON allows `\ufffd` wherever the character may stand (it can only stand inside a string).
 * Here, without zod, so the SDK sends frames without the classic schemas (protocol/live.ts).
 */
export function encodeFrameText(frame: object): string {
  return JSON.stringify(frame).replaceAll("\uFFFD", "\\ufffd");
}
