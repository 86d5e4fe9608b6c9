/** A target that changes this many likes per second over the window becomes sharded on its own. */
export const HOT_LIKES_PER_SECOND = 500;
export const HOT_WINDOW_MS = 2_000;
/** The shard count a target gets when it becomes hot on its own (an admin may set another). */
export const AUTO_SHARDS = 4;
const BUCKET_MS = 100;

/**
 * Counts a room's committed like changes in 100 ms buckets over the last HOT_WINDOW_MS.
 * Memory only: a room evicted from memory was not hot.
 */
export class HotTargetDetector {
  private readonly buckets = new Map<number, number>();

  constructor(
    private readonly likesPerSecond: number = HOT_LIKES_PER_SECOND,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records `changes` like changes; true when the window's rate is above the threshold. */
  record(changes: number): boolean {
    if (changes === 0) return false;
    const now = this.now();
    const bucket = Math.floor(now / BUCKET_MS);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + changes);
    const oldest = bucket - HOT_WINDOW_MS / BUCKET_MS;
    let total = 0;
    for (const [key, n] of this.buckets) {
      if (key <= oldest) this.buckets.delete(key);
      else total += n;
    }
    return total > (this.likesPerSecond * HOT_WINDOW_MS) / 1000;
  }
}
