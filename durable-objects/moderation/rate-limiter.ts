const WINDOW_MS = 60_000;
const MIN_SWEEP_SIZE = 1_024;

/**
 * A per-key limit of `perMinute` actions in any minute, as a GCRA: each key keeps only its
 * theoretical arrival time, so a burst of `perMinute` passes at once and after that one
 * action per `60 s / perMinute`. It lives in memory: a room evicted from memory forgets
 * it, which only ever lets a user act a little sooner, never blocks them wrongly.
 *
 * Memory stays bounded by the users active in the last minute: an entry whose arrival time
 * has passed is the same as no entry, and such entries are swept whenever the map doubles.
 */
export class RateLimiter {
  private readonly arrivals = new Map<string, number>();
  private readonly intervalMs: number;
  private sweepAtSize = MIN_SWEEP_SIZE;

  constructor(readonly perMinute: number) {
    this.intervalMs = WINDOW_MS / perMinute;
  }

  /** Takes one action for `key`: null when allowed, else milliseconds until it would be. */
  take(key: string, now: number): number | null {
    const next = Math.max(this.arrivals.get(key) ?? now, now) + this.intervalMs;
    const waitMs = next - now - WINDOW_MS;
    if (waitMs > 0) return waitMs;
    this.arrivals.set(key, next);
    if (this.arrivals.size >= this.sweepAtSize) this.sweep(now);
    return null;
  }

  /** Keys currently remembered; for tests of the memory bound. */
  get size(): number {
    return this.arrivals.size;
  }

  sweep(now: number): void {
    for (const [key, arrival] of this.arrivals) {
      if (arrival <= now) this.arrivals.delete(key);
    }
    this.sweepAtSize = Math.max(MIN_SWEEP_SIZE, this.arrivals.size * 2);
  }
}

/** Retry-After is whole seconds, and never 0 for a refusal. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
