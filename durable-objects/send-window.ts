/**
 * What one socket may have been sent and not read yet, bounded whatever its client says.
 *
 * workerd exposes no `bufferedAmount` on server-side sockets (checked in 1.20261023: the
 * property is absent), so the room counts for itself: UTF-8 bytes sent, minus what the
 * client has PROVEN it read. The proof is a `mark` frame: after every MARK_EVERY_BYTES the
 * room sends one with a random id, and the client answers `{"type":"seen","mark"}`. Knowing
 * the id means having read the mark, and a socket delivers in order, so everything before it
 * was read too. A client that claims more (a made-up id, an old one) acknowledges nothing,
 * so a reader that stopped reading cannot talk its way out of counts-only.
 *
 * A frame that would take a socket past MAX_UNREAD_BYTES is not sent: the socket is closed
 * (1013). So the runtime never holds more than that much of one socket's frames, whatever the
 * client sends. The estimate rides in the socket's attachment at every mark (see `saved`),
 * so a room woken from hibernation restarts from an upper bound, never from zero.
 */
export const MARK_EVERY_BYTES = 8 * 1024;
export const SLOW_HIGH_WATER_BYTES = 64 * 1024;
export const SLOW_LOW_WATER_BYTES = 16 * 1024;
/** How long the estimate must stay high before the socket is switched. */
export const SLOW_AFTER_MS = 2_000;
/** The most a socket may have been sent and not proven read; past this it is closed. */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** Marks not yet answered; more cannot be outstanding below MAX_UNREAD_BYTES. */
const MAX_OPEN_MARKS = MAX_UNREAD_BYTES / MARK_EVERY_BYTES + 1;

export type SendMode = "full" | "counts-only";

/** What survives hibernation, in the socket's attachment. */
export interface SavedWindow {
  unread: number;
  mode: SendMode;
}

interface Window {
  /** Bytes sent since this window was made. */
  sent: number;
  /** `sent` up to the last mark the client answered. */
  read: number;
  /** Unread bytes from before a wake-up (an upper bound), until a newer mark is answered. */
  carried: number;
  sinceMark: number;
  marks: { id: string; at: number }[];
  highSince: number | null;
  mode: SendMode;
}

export type Assessment = { mode: SendMode; switched: boolean };

/** 72 random bits, URL-safe: a client cannot guess a mark it did not read. */
export function randomMark(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

const ascii = /^[\x00-\x7f]*$/;

/** UTF-8 length without encoding: what the frame costs on the wire and in the runtime. */
export function utf8Length(text: string): number {
  if (ascii.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export class SendWindows<K extends object> {
  private readonly windows = new WeakMap<K, Window>();

  constructor(
    private readonly now: () => number = Date.now,
    /** The saved window of a socket accepted before this object woke up. */
    private readonly load: (key: K) => SavedWindow | null = () => null,
    private readonly newMark: () => string = randomMark,
  ) {}

  /**
   * A socket accepted by this object starts from nothing; any other socket this object meets
   * was accepted before a wake-up, and its window is loaded (see the constructor's `load`).
   */
  open(key: K): void {
    this.windows.set(key, this.fresh());
  }

  /** False when `bytes` more would pass MAX_UNREAD_BYTES: close the socket instead of sending. */
  fits(key: K, bytes: number): boolean {
    return this.unread(key) + bytes <= MAX_UNREAD_BYTES;
  }

  sent(key: K, bytes: number): void {
    const window = this.windowOf(key);
    window.sent += bytes;
    window.sinceMark += bytes;
    if (this.unreadOf(window) > SLOW_HIGH_WATER_BYTES) window.highSince ??= this.now();
  }

  /** A mark id to send now, or null; the caller sends it and reports it with `marked`. */
  markDue(key: K): string | null {
    return this.windowOf(key).sinceMark >= MARK_EVERY_BYTES ? this.newMark() : null;
  }

  /** The mark frame went out: answering `id` will prove everything up to here was read. */
  marked(key: K, id: string, bytes: number): void {
    const window = this.windowOf(key);
    this.sent(key, bytes);
    window.marks.push({ id, at: window.sent });
    if (window.marks.length > MAX_OPEN_MARKS) window.marks.shift();
    window.sinceMark = 0;
  }

  /** The client answered a mark. Returns the new mode when that caught the socket up, else null. */
  seen(key: K, id: string): SendMode | null {
    const window = this.windowOf(key);
    const index = window.marks.findIndex((mark) => mark.id === id);
    if (index < 0) return null;
    window.read = window.marks[index]!.at;
    window.carried = 0;
    window.marks.splice(0, index + 1);
    const unread = this.unreadOf(window);
    if (unread <= SLOW_HIGH_WATER_BYTES) window.highSince = null;
    if (window.mode === "counts-only" && unread <= SLOW_LOW_WATER_BYTES) {
      window.mode = "full";
      return "full";
    }
    return null;
  }

  /** Decides, before a broadcast, what this socket should still be sent. */
  assess(key: K): Assessment {
    const window = this.windowOf(key);
    const slow = window.highSince !== null && this.now() - window.highSince >= SLOW_AFTER_MS;
    if (slow && window.mode === "full") {
      window.mode = "counts-only";
      return { mode: window.mode, switched: true };
    }
    return { mode: window.mode, switched: false };
  }

  mode(key: K): SendMode {
    return this.windowOf(key).mode;
  }

  unread(key: K): number {
    return this.unreadOf(this.windowOf(key));
  }

  /**
   * What to keep in the attachment. Saved at every mark and every switch, so what was sent
   * after the last save is under MARK_EVERY_BYTES; `load` adds that back on wake-up.
   */
  saved(key: K): SavedWindow {
    const window = this.windowOf(key);
    return { unread: this.unreadOf(window), mode: window.mode };
  }

  private unreadOf(window: Window): number {
    return window.carried + window.sent - window.read;
  }

  private windowOf(key: K): Window {
    let window = this.windows.get(key);
    if (!window) {
      const saved = this.load(key);
      window = this.fresh();
      if (saved !== null) {
        window.carried = saved.unread + MARK_EVERY_BYTES;
        window.mode = saved.mode;
        // The marks it answered before are gone with the old object: send a new one at once.
        window.sinceMark = MARK_EVERY_BYTES;
        if (window.carried > SLOW_HIGH_WATER_BYTES) window.highSince = this.now();
      }
      this.windows.set(key, window);
    }
    return window;
  }

  private fresh(): Window {
    return { sent: 0, read: 0, carried: 0, sinceMark: 0, marks: [], highSince: null, mode: "full" };
  }
}
