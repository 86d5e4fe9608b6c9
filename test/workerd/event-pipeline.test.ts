import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../protocol/events";
import { EVENTS_QUEUE, retryDelaySeconds } from "../../workers/queues";
import { like, uniqueTarget, uniqueUser } from "./helpers";
import { batchMessage, deliver, likeEvent, likeEvents } from "./pipeline-helpers";
import { lakeObjectsOf, lakeRowsOf } from "./lake-helpers";
import { waitFor } from "./wait";

const MINUTE_MS = 60_000;

describe("event consumer", () => {
  it("stores each event in the lake exactly once when the same batch is delivered twice", async () => {
    const target = uniqueTarget();
    const at = Date.UTC(2026, 0, 5, 10, 30, 15);
    const events = [
      likeEvent(target, "u1", at),
      likeEvent(target, "u2", at + 1_000),
      likeEvent(target, "u3", at + MINUTE_MS),
      likeEvent(target, "u1", at + MINUTE_MS + 5, "unlike"),
    ].map((event, i) => ({ ...event, seq: i + 1 }));
    const messages = [batchMessage(events.slice(0, 2)), batchMessage(events.slice(2))];
    const first = await deliver(EVENTS_QUEUE, messages);
    const objects = await lakeObjectsOf(target);
    // The redelivery also carries one message twice in the same batch, as a resend can.
    const second = await deliver(EVENTS_QUEUE, [...messages, messages[0]!]);

    expect(first.result.explicitAcks).toHaveLength(2);
    expect(second.result.explicitAcks).toHaveLength(3);
    expect(second.result.retryMessages).toEqual([]);
    expect(objects.map((object) => object.key)).toEqual([
      `events/dt=2026-01-05/hr=10/${target}/0-0-1-2.ndjson.gz`,
      `events/dt=2026-01-05/hr=10/${target}/0-0-3-4.ndjson.gz`,
    ]);
    expect(await lakeObjectsOf(target)).toEqual(objects);
    const rows = await lakeRowsOf(target);
    expect(rows.map((row) => [row.event_id, row.type, row.seq])).toEqual(events.map((event) => [event.eventId, event.type, event.seq]));
  });

  it("keeps every event once across many old one-event messages with overlaps", async () => {
    const target = uniqueTarget();
    const start = Date.UTC(2026, 0, 6, 8, 0, 0);
    const events: EngagementEvent[] = Array.from({ length: 230 }, (_, i) => ({
      ...likeEvent(target, `user-${i % 17}`, start + i * 7_919, i % 3 === 0 ? "unlike" : "like"),
      seq: i + 1,
    }));
    // Overlapping windows of up to 100 messages: every event arrives at least once, most twice.
    for (let from = 0; from < events.length; from += 60) await deliver(EVENTS_QUEUE, events.slice(from, from + 100));

    const rows = await lakeRowsOf(target);
    expect(rows).toHaveLength(230);
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(230);
    // One object per old message, in each event's own hour (230 events 7.9 s apart: 08:00-08:30).
    const keys = (await lakeObjectsOf(target)).map((object) => object.key);
    expect(keys).toHaveLength(230);
    expect(keys.every((key) => key.startsWith(`events/dt=2026-01-06/hr=08/${target}/0-x-`))).toBe(true);
  });

  it("retries a message that is not an event batch without holding back the valid ones", async () => {
    const target = uniqueTarget();
    const { batch, result } = await deliver(EVENTS_QUEUE, [
      batchMessage([likeEvent(target, "u1", Date.now())]),
      { type: "like", target: "nope" },
      // A batch whose events are about another target than its producer's.
      { ...batchMessage([likeEvent(target, "u2", Date.now())]), producer: { target: uniqueTarget(), epoch: 0, shard: 0 } },
    ]);
    const [valid, poison, stray] = batch.messages;
    expect(result.explicitAcks).toEqual([valid!.id]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual([poison!.id, stray!.id].sort());
    expect(await lakeRowsOf(target)).toHaveLength(1);
  });

  it("does not need D1: with a database that has no tables it still acks and writes the lake", async () => {
    const target = uniqueTarget();
    const brokenD1Env = { ...env, DB: env.UNMIGRATED_DB };
    const { batch, result } = await deliver(EVENTS_QUEUE, [batchMessage([likeEvent(target, "u1", Date.now())])], { env: brokenD1Env });
    expect(result.explicitAcks).toEqual([batch.messages[0]!.id]);
    expect(result.retryMessages).toEqual([]);
    expect(await lakeRowsOf(target)).toHaveLength(1);
  });

  it("acks nothing and writes nothing to the lake when the users' objects cannot be reached", async () => {
    const target = uniqueTarget();
    // A real namespace of the wrong class: every `ingest` call fails, as an unreachable object would.
    const failingEnv = { ...env, USER_STATE: env.TARGET_ROOM as unknown as typeof env.USER_STATE };
    const { batch, result } = await deliver(EVENTS_QUEUE, [batchMessage([likeEvent(target, "u1", Date.now())])], { env: failingEnv });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([batch.messages[0]!.id]);
    expect(await lakeObjectsOf(target)).toEqual([]);
  });

  it("backs off longer with every failed delivery, up to five minutes", () => {
    const delays = [1, 2, 3, 4, 10].map(retryDelaySeconds);
    expect(delays).toEqual([5, 10, 20, 40, 300]);
  });
});

describe("outbox", () => {
  it("delivers every like made over HTTP to the lake with its seq, users as pseudonyms", { timeout: 20_000 }, async () => {
    const target = uniqueTarget();
    const [a, b] = [uniqueUser(), uniqueUser()];
    await like(target, a);
    await like(target, b);
    await like(target, a, "unlike");
    const rows = await waitFor(() => lakeRowsOf(target), (found) => found.length === 3, 10_000, "events in the lake");
    expect(rows.map((row) => [row.type, row.seq])).toEqual([
      ["like", 1],
      ["like", 2],
      ["unlike", 3],
    ]);
    const [ua, ub, ua2] = rows.map((row) => row.user);
    expect(ua).toMatch(/^[0-9a-f]{32}$/);
    expect(ua2).toBe(ua);
    expect(ub).not.toBe(ua);
    expect(JSON.stringify(rows)).not.toContain(a);
    expect(JSON.stringify(rows)).not.toContain(b);
  });

  it("uses the events themselves to name a message's date and hour, whatever the consumer's clock", async () => {
    const target = uniqueTarget();
    const events = likeEvents(target, [uniqueUser(), uniqueUser()], Date.UTC(2025, 11, 31, 23, 59, 59, 998));
    await deliver(EVENTS_QUEUE, [batchMessage(events)]);
    expect((await lakeObjectsOf(target)).map((object) => object.key)).toEqual([`events/dt=2025-12-31/hr=23/${target}/0-0-1-2.ndjson.gz`]);
  });
});
