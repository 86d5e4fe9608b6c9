/**
 * Every frame that reaches the room costs a token; a socket starts with FRAME_BURST and gets
 * FRAMES_PER_SECOND back. A socket out of tokens is closed (4429): valid but useless frames
 * (pings that miss the auto-response, `seen` with made-up marks) would otherwise wake the room
 * and delay everyone else's writes. The runtime's ping auto-response never reaches the room,
 * so it costs nothing. The burst lets a client resend every write it queued while offline.
 *
 * Kept in memory only: the room hibernates only after about 10 s without a frame from any
 * socket, and by then every bucket has filled up again (FRAME_BURST / FRAMES_PER_SECOND).
 */
export const FRAME_BURST = 200;
export const FRAMES_PER_SECOND = 20;

interface Bucket {
  tokens: number;
  at: number;
}

export class FrameBudget<K extends object> {
  private readonly buckets = new WeakMap<K, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Spends one frame; false when the socket had no token left. */
  take(key: K): boolean {
    const at = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: FRAME_BURST, at };
    bucket.tokens = Math.min(FRAME_BURST, bucket.tokens + ((at - bucket.at) / 1000) * FRAMES_PER_SECOND);
    bucket.at = at;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
