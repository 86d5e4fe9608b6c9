import { describe, expect, it } from "vitest";
import { LiveBroadcaster, MIN_BROADCAST_INTERVAL_MS, type LiveChanges, type LiveState } from "../../durable-objects/live-broadcaster";

/** A hand-driven clock and timer queue, so the coalescing guarantees are checked to the millisecond. */
function harness(options: { sendingMs?: number } = {}) {
  let now = 0;
  const timers: { at: number; run: () => void }[] = [];
  const state: LiveState = { count: 0, seq: 0, viewers: 0 };
  const published: { at: number; changes: LiveChanges }[] = [];
  const broadcaster = new LiveBroadcaster(
    () => ({ ...state }),
    (changes) => {
      published.push({ at: now, changes });
      // A broadcast still going out: done when the clock reaches its end.
      if (options.sendingMs === undefined) return;
      return new Promise<void>((done) => timers.push({ at: now + options.sendingMs!, run: done }));
    },
    () => now,
    { setTimeout: (run, ms) => timers.push({ at: now + ms, run }) },
  );
  const advanceTo = (t: number) => {
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > t) break;
      timers.shift();
      now = next.at;
      next.run();
    }
    now = t;
  };
  return { state, published, broadcaster, advanceTo };
}

describe("live broadcaster coalescing", () => {
  it("sends at most one frame per interval and the exact final count within one interval of the last change", () => {
    const { state, published, broadcaster, advanceTo } = harness();
    // A like every 3 ms for 1 s.
    for (let t = 0; t <= 1_000; t += 3) {
      advanceTo(t);
      state.count++;
      state.seq++;
      broadcaster.changed();
    }
    advanceTo(2_000);
    const counts = published.filter((p) => p.changes.count !== undefined);
    for (let i = 1; i < counts.length; i++) {
      expect(counts[i]!.at - counts[i - 1]!.at).toBeGreaterThanOrEqual(MIN_BROADCAST_INTERVAL_MS);
    }
    expect(counts.length).toBeLessThanOrEqual(11);
    const last = counts.at(-1)!;
    expect(last.changes.count).toEqual({ count: state.count, seq: state.seq });
    expect(last.at - 999).toBeLessThanOrEqual(MIN_BROADCAST_INTERVAL_MS);
  });

  it("settles only after the pending flush and the broadcast it starts are both done", async () => {
    const { state, broadcaster, advanceTo } = harness({ sendingMs: 400 });
    await broadcaster.settled();
    state.count = 1;
    state.seq = 1;
    broadcaster.changed();
    let settledAt: number | null = null;
    let clock = 0;
    void broadcaster.settled().then(() => (settledAt = clock));
    for (clock = 0; clock <= 600; clock += 50) {
      advanceTo(clock);
      await Promise.resolve();
      await Promise.resolve();
    }
    // Flushed at 0, sending until 400: settled then, not while the flush was pending or sending.
    expect(settledAt).toBe(400);
  });

  it("sends a lone change at once and nothing when nothing changed", () => {
    const { state, published, broadcaster, advanceTo } = harness();
    advanceTo(500);
    state.count = 1;
    state.seq = 1;
    broadcaster.changed();
    advanceTo(500);
    expect(published).toEqual([{ at: 500, changes: { count: { count: 1, seq: 1 }, viewers: 0 } }]);
    broadcaster.changed();
    advanceTo(1_000);
    expect(published).toHaveLength(1);
  });

  it("sends only the viewer count when only viewers changed", () => {
    const { state, published, broadcaster, advanceTo } = harness();
    broadcaster.changed();
    advanceTo(200);
    state.viewers = 3;
    broadcaster.changed();
    advanceTo(400);
    expect(published.at(-1)?.changes).toEqual({ viewers: 3 });
  });

  it("waits for a slow broadcast to finish, then sends only the newest state", async () => {
    const { state, published, broadcaster, advanceTo } = harness({ sendingMs: 350 });
    state.viewers = 1;
    broadcaster.changed();
    advanceTo(0);
    // A join storm: a new viewer every 10 ms while the first broadcast is still sending.
    for (let t = 10; t <= 300; t += 10) {
      advanceTo(t);
      state.viewers++;
      broadcaster.changed();
    }
    advanceTo(349);
    await Promise.resolve();
    expect(published).toHaveLength(1);
    // The first broadcast ends at 350; the promise callbacks run, then the timer.
    advanceTo(350);
    for (let i = 0; i < 3; i++) await Promise.resolve();
    advanceTo(351);
    expect(published.map((p) => p.changes.viewers)).toEqual([1, state.viewers]);
    expect(published[1]!.at).toBeGreaterThanOrEqual(350);
  });
});
