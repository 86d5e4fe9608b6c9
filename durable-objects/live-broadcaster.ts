/** At most 10 broadcasts per second per room: a broadcast costs ~10-15 us per socket. */
export const MIN_BROADCAST_INTERVAL_MS = 100;

export interface LiveState {
  count: number;
  seq: number;
  viewers: number;
}

export interface LiveChanges {
  count?: { count: number; seq: number };
  viewers?: number;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
}

/**
 * Coalesces count and viewer changes into at most one broadcast per
 * MIN_BROADCAST_INTERVAL_MS. It remembers no pending values: the flush reads the exact state
 * when it runs and sends what differs from what it last sent, so the final frame always
 * carries the exact count and seq, at most one interval after the last change.
 *
 * A room woken from hibernation starts with nothing "last sent"; its first flush sends the
 * current state even if sockets already have it (clients drop frames with a seq they have).
 * If the room was evicted with a flush pending, the next wake-up (the outbox alarm that
 * every change schedules) calls `changed()` again and the flush happens then.
 *
 * A broadcast to thousands of sockets can take longer than the interval. The next flush waits
 * for it to finish (`publish` answers a promise while it still sends), so a join storm sends
 * one up-to-date viewer count after another instead of queueing stale ones without bound.
 */
export class LiveBroadcaster {
  private pending = false;
  private sending = false;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private sentSeq: number | null = null;
  private sentViewers: number | null = null;
  /** Callers of `settled()` waiting for the flush pending and the broadcast sending now. */
  private settledWaiters: (() => void)[] = [];

  constructor(
    private readonly readState: () => LiveState,
    /** Answers a promise when the broadcast is still going out after it returns. */
    private readonly publish: (changes: LiveChanges) => Promise<void> | void,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = globalThis,
  ) {}

  /** Something may have changed; schedules a flush unless one is already on its way. */
  changed(): void {
    if (this.pending) return;
    this.pending = true;
    // The broadcast still sending schedules this flush when it is done.
    if (!this.sending) this.schedule();
  }

  /**
   * Resolves once no flush is pending and none is sending: the room runs its background jobs
   * then, after a broadcast's last slice rather than between its slices. Under a steady
   * stream of changes that moment may not come; the caller bounds the wait.
   */
  settled(): Promise<void> {
    if (!this.pending && !this.sending) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private wakeSettled(): void {
    if (this.pending || this.sending) return;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private schedule(): void {
    // Even a leading-edge flush goes through a timer so the write that caused it answers first.
    const wait = Math.max(0, this.lastFlushAt + MIN_BROADCAST_INTERVAL_MS - this.now());
    this.timers.setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.pending = false;
    this.lastFlushAt = this.now();
    const state = this.readState();
    const changes: LiveChanges = {};
    if (state.seq !== this.sentSeq) changes.count = { count: state.count, seq: state.seq };
    if (state.viewers !== this.sentViewers) changes.viewers = state.viewers;
    if (changes.count === undefined && changes.viewers === undefined) return this.wakeSettled();
    this.sentSeq = state.seq;
    this.sentViewers = state.viewers;
    const sending = this.publish(changes);
    if (sending === undefined) return this.wakeSettled();
    this.sending = true;
    void sending.finally(() => {
      this.sending = false;
      if (this.pending) this.schedule();
      else this.wakeSettled();
    });
  }
}
