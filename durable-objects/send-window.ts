/**
 * Slow-consumer detection. workerd exposes no `bufferedAmount` on server-side sockets, so
 * the room estimates it: characters sent minus characters the client reported reading
 * (`seen` frames, which the SDK sends every SEEN_EVERY_CHARS). A socket whose estimate stays
 * above the high-water mark is switched to counts-only frames; once it catches up below the
 * low-water mark it gets everything again. The estimate lives in memory: after hibernation
 * it restarts at zero, which can only under-report, never cut off a healthy reader.
 */
export const SLOW_HIGH_WATER_CHARS = 64 * 1024;
export const SLOW_LOW_WATER_CHARS = 16 * 1024;
/** How long the estimate must stay high before the socket is switched. */
export const SLOW_AFTER_MS = 2_000;
/** Past this a socket is closed: even counts-only frames would pile up without bound. */
export const DROP_AFTER_CHARS = 1024 * 1024;

export type SendMode = "full" | "counts-only";

interface Window {
  unacked: number;
  highSince: number | null;
  mode: SendMode;
}

export type Assessment = { mode: SendMode; switched: boolean; drop: boolean };

export class SendWindows<K extends object> {
  private readonly windows = new WeakMap<K, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  sent(key: K, chars: number): void {
    const window = this.windowOf(key);
    window.unacked += chars;
    if (window.unacked > SLOW_HIGH_WATER_CHARS) window.highSince ??= this.now();
  }

  /** Returns the new mode when reading caught the socket up, otherwise null. */
  seen(key: K, chars: number): SendMode | null {
    const window = this.windowOf(key);
    window.unacked = Math.max(0, window.unacked - chars);
    if (window.unacked <= SLOW_HIGH_WATER_CHARS) window.highSince = null;
    if (window.mode === "counts-only" && window.unacked <= SLOW_LOW_WATER_CHARS) {
      window.mode = "full";
      return "full";
    }
    return null;
  }

  /** Decides, before a broadcast, what this socket should still be sent. */
  assess(key: K): Assessment {
    const window = this.windowOf(key);
    if (window.unacked > DROP_AFTER_CHARS) return { mode: window.mode, switched: false, drop: true };
    const slow = window.highSince !== null && this.now() - window.highSince >= SLOW_AFTER_MS;
    if (slow && window.mode === "full") {
      window.mode = "counts-only";
      return { mode: window.mode, switched: true, drop: false };
    }
    return { mode: window.mode, switched: false, drop: false };
  }

  mode(key: K): SendMode {
    return this.windows.get(key)?.mode ?? "full";
  }

  unacked(key: K): number {
    return this.windows.get(key)?.unacked ?? 0;
  }

  private windowOf(key: K): Window {
    let window = this.windows.get(key);
    if (!window) {
      window = { unacked: 0, highSince: null, mode: "full" };
      this.windows.set(key, window);
    }
    return window;
  }
}
