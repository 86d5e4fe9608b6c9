import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MARK_EVERY_BYTES, MAX_UNREAD_BYTES, SendWindows, utf8Length, type SavedWindow } from "../../durable-objects/send-window";

/**
 * The bound behind docs/realtime.md "Slow consumers", checked on the plain class with every
 * sequence of sends, reads, answers, made-up answers and hibernations fast-check finds: the
 * client's unread bytes never pass MAX_UNREAD_BYTES, and the room's estimate never falls
 * below them (so no claim a client makes lets the room send past the bound).
 */

type Action =
  | { kind: "send"; bytes: number }
  | { kind: "read"; frames: number }
  | { kind: "answer"; back: number }
  | { kind: "forge"; id: string }
  | { kind: "wait"; ms: number }
  | { kind: "hibernate" };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 40_000 }).map((bytes) => ({ kind: "send" as const, bytes })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 50 }).map((frames) => ({ kind: "read" as const, frames })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }).map((back) => ({ kind: "answer" as const, back })) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((id) => ({ kind: "forge" as const, id })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3_000 }).map((ms) => ({ kind: "wait" as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ kind: "hibernate" as const }) },
);

/** One socket as RoomSockets drives it: sends while they fit, a mark when due, the window saved at each mark. */
class Harness {
  clock = 0;
  /** Frames sent, in order; the client reads a prefix of them. */
  readonly frames: { bytes: number; mark: string | null }[] = [];
  readPrefix = 0;
  closed = false;
  /** As RoomSockets: a socket's attachment has no window before its first mark, read as zero. */
  private saved: SavedWindow = { unread: 0, mode: "full" };
  private key = {};
  private windows = this.fresh();
  private marks = 0;

  constructor() {
    this.windows.open(this.key);
  }

  run(step: Action): void {
    switch (step.kind) {
      case "send":
        return this.send(step.bytes);
      case "read":
        this.readPrefix = Math.min(this.frames.length, this.readPrefix + step.frames);
        return;
      case "answer": {
        // Only a mark the client has read can be answered: its id is random.
        const known = this.frames.slice(0, this.readPrefix).flatMap((frame) => (frame.mark === null ? [] : [frame.mark]));
        const id = known.at(-1 - step.back);
        if (id !== undefined) this.afterSwitch(this.windows.seen(this.key, id) !== null);
        return;
      }
      case "forge":
        this.afterSwitch(this.windows.seen(this.key, step.id) !== null);
        return;
      case "wait":
        this.clock += step.ms;
        this.afterSwitch(this.windows.assess(this.key).switched);
        return;
      case "hibernate":
        // A new object: new socket objects, nothing in memory, only what the attachment kept.
        this.key = {};
        this.windows = this.fresh();
        return;
    }
  }

  get unreadByClient(): number {
    return this.frames.slice(this.readPrefix).reduce((sum, frame) => sum + frame.bytes, 0);
  }

  get estimate(): number {
    return this.windows.unread(this.key);
  }

  private send(bytes: number): void {
    if (this.closed) return;
    if (!this.windows.fits(this.key, bytes)) {
      this.closed = true;
      return;
    }
    this.frames.push({ bytes, mark: null });
    this.windows.sent(this.key, bytes);
    const mark = this.windows.markDue(this.key);
    if (mark === null) return;
    const markBytes = utf8Length(JSON.stringify({ type: "mark", mark }));
    if (!this.windows.fits(this.key, markBytes)) return;
    this.frames.push({ bytes: markBytes, mark });
    this.windows.marked(this.key, mark, markBytes);
    this.saved = this.windows.saved(this.key);
  }

  private afterSwitch(switched: boolean): void {
    if (switched) this.saved = this.windows.saved(this.key);
  }

  private fresh(): SendWindows<object> {
    return new SendWindows(
      () => this.clock,
      () => this.saved,
      () => `mark-${++this.marks}`,
    );
  }
}

describe("send windows", () => {
  it("never leave more than MAX_UNREAD_BYTES unread, whatever the client answers", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 300 }), (actions) => {
        const harness = new Harness();
        for (const step of actions) {
          harness.run(step);
          expect(harness.unreadByClient).toBeLessThanOrEqual(MAX_UNREAD_BYTES);
          expect(harness.estimate).toBeGreaterThanOrEqual(harness.unreadByClient);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("close a reader that never proves reading once the bound is reached, whatever it claims", () => {
    const harness = new Harness();
    let step = 0;
    while (!harness.closed) {
      harness.run({ kind: "send", bytes: 1_000 });
      harness.run({ kind: "forge", id: `lie-${step++}` });
    }
    expect(harness.unreadByClient).toBeGreaterThan(MAX_UNREAD_BYTES - 1_000 - MARK_EVERY_BYTES);
    expect(harness.unreadByClient).toBeLessThanOrEqual(MAX_UNREAD_BYTES);
  });

  it("keep an honest reader's estimate within one mark of the truth", () => {
    const harness = new Harness();
    for (let i = 0; i < 5_000; i++) {
      harness.run({ kind: "send", bytes: 300 });
      harness.run({ kind: "read", frames: 2 });
      harness.run({ kind: "answer", back: 0 });
    }
    expect(harness.closed).toBe(false);
    expect(harness.estimate).toBeLessThanOrEqual(MARK_EVERY_BYTES + 300);
  });

  it("count UTF-8 bytes, not UTF-16 units", () => {
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("語")).toBe(3);
    expect(utf8Length("🎉")).toBe(4);
    expect(utf8Length("a\uD800b")).toBe(new TextEncoder().encode("a\uD800b").byteLength);
  });
});
