import { describe, expect, it } from "vitest";
import { RelayFanout, MAX_PUSH_EVENTS } from "../../durable-objects/relays/relay-fanout";
import { RecentEvents } from "../../durable-objects/relays/recent-events";
import { MAX_PUSH_REDACTIONS } from "../../protocol/internal/relay-rpc";
import type { RingEvent } from "../../durable-objects/replay-ring";
import type { RelayAck, RelayPush } from "../../protocol/internal/relay-rpc";

const event = (seq: number): RingEvent => ({ seq, at: 1_000 + seq, event: { kind: "pin", comment: null } });

/** A relay whose answers the test gives by hand, recording every push in the order it came. */
class ScriptedRelay {
  readonly pushes: RelayPush[] = [];
  private answers: { resolve: (ack: RelayAck) => void; reject: (error: Error) => void }[] = [];

  receive(push: RelayPush): Promise<RelayAck> {
    this.pushes.push(push);
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject }));
  }

  get waiting(): number {
    return this.answers.length;
  }

  answer(through: number | null): void {
    this.answers.shift()?.resolve({ through });
  }

  fail(): void {
    this.answers.shift()?.reject(new Error("relay unreachable"));
  }
}

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function fanoutTo(relay: ScriptedRelay, dropped: unknown[] = []) {
  return new RelayFanout(
    () => [0],
    () => "stream:fanout",
    () => relay,
    (_k, error) => dropped.push(error),
  );
}

describe("relay fan-out lanes", () => {
  it("keeps one push in flight per relay and merges what is published meanwhile, in order", async () => {
    const relay = new ScriptedRelay();
    const fanout = fanoutTo(relay);
    fanout.events([event(1)]);
    fanout.events([event(3)]);
    fanout.publish({ count: { count: 5, seq: 4 }, viewers: 7 });
    fanout.events([event(5)]);
    expect(relay.pushes).toHaveLength(1);
    expect(relay.pushes[0]).toMatchObject({ target: "stream:fanout", k: 0, after: null, through: 1, events: [event(1)] });

    relay.answer(1);
    await until(() => relay.pushes.length === 2);
    expect(relay.pushes[1]).toEqual({
      target: "stream:fanout",
      k: 0,
      after: 1,
      through: 5,
      events: [event(3), event(5)],
      count: { count: 5, seq: 4 },
      viewers: 7,
    });
    relay.answer(5);
    fanout.publish({ count: { count: 6, seq: 6 } });
    await until(() => relay.pushes.length === 3);
    expect(relay.pushes[2]).toEqual({ target: "stream:fanout", k: 0, after: 5, through: 5, events: [], count: { count: 6, seq: 6 } });
    relay.answer(5);
  });

  it("keeps events only moderators may see out of every push, while `through` still covers them, and carries a user's audience", async () => {
    const relay = new ScriptedRelay();
    const fanout = fanoutTo(relay);
    const forAna: RingEvent = { ...event(2), audience: { user: "site|ana" } };
    fanout.events([event(1), forAna, { ...event(3), audience: "moderators" }]);
    expect(relay.pushes[0]).toEqual({ target: "stream:fanout", k: 0, after: null, through: 3, events: [event(1), forAna] });
    relay.answer(3);
    fanout.events([{ ...event(4), audience: "moderators" }]);
    await until(() => relay.pushes.length === 2);
    expect(relay.pushes[1]).toEqual({ target: "stream:fanout", k: 0, after: 3, through: 4, events: [] });
    relay.answer(4);
  });

  it("retries a failed push merged with what came since, and after five failures lets the next push show the gap", async () => {
    const relay = new ScriptedRelay();
    const dropped: unknown[] = [];
    const fanout = fanoutTo(relay, dropped);
    fanout.events([event(1)]);
    relay.answer(1);
    fanout.events([event(2)]);
    await until(() => relay.waiting === 1 && relay.pushes.length === 2);
    fanout.events([event(3)]);
    relay.fail();
    await until(() => relay.pushes.length === 3);
    expect(relay.pushes[2]).toMatchObject({ after: 1, through: 3, events: [event(2), event(3)] });

    for (let attempt = 2; attempt <= 5; attempt++) {
      await until(() => relay.waiting === 1);
      relay.fail();
    }
    await until(() => dropped.length === 1);
    fanout.events([event(4)]);
    await until(() => relay.pushes.length === 7);
    // The relay has only seq 1: `after: 3` tells it to read 2 and 3 from the ring.
    expect(relay.pushes[6]).toMatchObject({ after: 3, through: 4, events: [event(4)] });
    relay.answer(4);
  });

  it("stops carrying events for a relay that is far behind and lets it read the ring instead", async () => {
    const relay = new ScriptedRelay();
    const fanout = fanoutTo(relay);
    fanout.events([event(1)]);
    for (let seq = 2; seq <= MAX_PUSH_EVENTS + 2; seq++) fanout.events([event(seq)]);
    relay.answer(1);
    await until(() => relay.pushes.length === 2);
    expect(relay.pushes[1]).toMatchObject({ after: null, through: MAX_PUSH_EVENTS + 2, events: [] });
    relay.answer(MAX_PUSH_EVENTS + 2);
  });

  it("vouches for a new socket's hello seq only once the relay was welcomed at it", async () => {
    const relay = new ScriptedRelay();
    const fanout = fanoutTo(relay);
    fanout.welcomed(0, 9);
    fanout.publish({ viewers: 3 });
    expect(relay.pushes[0]).toMatchObject({ after: 9, through: 9, events: [], viewers: 3 });
    relay.answer(9);
  });

  it("sends a redaction after the events it covers, and has the relay forget its recent events when one is dropped", async () => {
    const relay = new ScriptedRelay();
    const dropped: unknown[] = [];
    const fanout = fanoutTo(relay, dropped);
    fanout.events([event(1)]);
    fanout.events([event(2)]);
    fanout.redact({ commentIds: [], authorId: "gone" }, [0]);
    relay.answer(1);
    await until(() => relay.pushes.length === 2);
    expect(relay.pushes[1]).toMatchObject({ after: 1, through: 2, events: [event(2)], redactions: [{ commentIds: [], authorId: "gone" }] });
    for (let attempt = 1; attempt <= 5; attempt++) {
      await until(() => relay.waiting === 1);
      relay.fail();
    }
    await until(() => dropped.length === 1 && relay.pushes.length === 7);
    expect(relay.pushes[6]).toMatchObject({ forgetRecent: true });
    expect(relay.pushes[6]!.redactions).toBeUndefined();
    relay.answer(2);
  });

  it("asks the relay to forget its recent events rather than carry more than MAX_PUSH_REDACTIONS", async () => {
    const relay = new ScriptedRelay();
    const fanout = fanoutTo(relay);
    fanout.events([event(1)]);
    for (let i = 0; i <= MAX_PUSH_REDACTIONS; i++) fanout.redact({ commentIds: [], authorId: `user-${i}` }, [0]);
    relay.answer(1);
    await until(() => relay.pushes.length === 2);
    expect(relay.pushes[1]).toMatchObject({ forgetRecent: true });
    expect(relay.pushes[1]!.redactions).toBeUndefined();
    relay.answer(1);
  });
});

describe("a relay's recent events", () => {
  it("replaces a redacted comment and a pin quoting it by tombstones at the same seq", () => {
    const comment = {
      id: "0000000000000000abcdef",
      target: "stream:recent",
      author: { id: "gone", name: "Gone" },
      text: "words",
      mentions: [],
      replyTo: null,
      createdAt: new Date(0).toISOString(),
      seq: 2,
      reactions: {},
      replies: 0,
      highlighted: false,
      deleted: false,
    };
    const recent = new RecentEvents(1);
    recent.add([
      { seq: 2, at: 2, event: { kind: "comment", comment } },
      { seq: 3, at: 3, event: { kind: "pin", comment } },
      { seq: 4, at: 4, event: { kind: "comment", comment: { ...comment, id: "0000000000000000abcdeg", author: { id: "stays", name: "Stays" } } } },
    ]);
    expect(recent.redact({ commentIds: [comment.id], authorId: null })).toBe(2);
    expect(recent.after(1)?.map(({ seq, event }) => [seq, event.kind, event.kind === "pin" ? event.comment : null])).toEqual([
      [2, "comment_deleted", null],
      [3, "pin", null],
      [4, "comment", null],
    ]);
    expect(recent.redact({ commentIds: [], authorId: "stays" })).toBe(1);
    expect(JSON.stringify(recent.after(1))).not.toContain("Stays");
  });
});
