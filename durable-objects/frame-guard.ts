import { ClientFrame, MAX_CLIENT_FRAME_BYTES } from "../protocol/live";

export const MAX_INVALID_FRAMES = 20;
export const INVALID_FRAME_WINDOW_MS = 10_000;

export type DecodedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: "payload_too_large" | "invalid_json" | "invalid_request"; message: string; details?: unknown }
  /** RFC 6455 8.1: the room fails the connection (1007) after the error frame. */
  | { ok: false; code: "invalid_utf8"; message: string };

const utf8 = new TextEncoder();

/** Turns one raw WebSocket message into a typed client frame, refusing before parsing what is too big. */
export function decodeClientFrame(message: string | ArrayBuffer): DecodedFrame {
  if (typeof message !== "string") {
    return { ok: false, code: "invalid_request", message: "binary frames are not part of the protocol" };
  }
  // The runtime replaces invalid UTF-8 with U+FFFD before the room sees the text, so a raw
  // U+FFFD is all that is left of it; clients send the character itself as \ufffd (encodeClientFrame).
  if (message.includes("\uFFFD")) {
    return { ok: false, code: "invalid_utf8", message: "text frame is not valid UTF-8 (send U+FFFD escaped as \\ufffd)" };
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short strings need no encoding to check.
  if (message.length * 3 > MAX_CLIENT_FRAME_BYTES && utf8.encode(message).byteLength > MAX_CLIENT_FRAME_BYTES) {
    return { ok: false, code: "payload_too_large", message: `frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { ok: false, code: "invalid_json", message: "frame is not JSON" };
  }
  const parsed = ClientFrame.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
    return { ok: false, code: "invalid_request", message: "unknown or malformed frame", details: issues };
  }
  return { ok: true, frame: parsed.data };
}

/**
 * Counts invalid frames per socket in a sliding window. Kept in memory only: a room that
 * hibernated had no frames for far longer than the window, so nothing is lost by forgetting.
 */
export class InvalidFrameLimiter<K extends object> {
  private readonly strikes = new WeakMap<K, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records one invalid frame; true when the socket has now used up its allowance. */
  strike(key: K): boolean {
    const at = this.now();
    const recent = (this.strikes.get(key) ?? []).filter((t) => at - t < INVALID_FRAME_WINDOW_MS);
    recent.push(at);
    this.strikes.set(key, recent);
    return recent.length >= MAX_INVALID_FRAMES;
  }
}
