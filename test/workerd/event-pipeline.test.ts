import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../protocol/events";
import { EVENTS_QUEUE, retryDelaySeconds } from "../../workers/queues";
import { like, uniqueTarget, uniqueUser } from "./helpers";
import { d1Count, deliver, likeEvent } from "./pipeline-helpers";
import { waitFor } from "./wait";

const MINUTE_MS = 60_000;

async function rollupsOf(target: string) {
  const { results } = await env.DB.prepare("SELECT bucket, type, count FROM event_rollups WHERE target = ? ORDER BY bucket, type")
    .bind(target)
    .all<{ bucket: number; type: string; count: number }>();
  return results;
}

describe("event consumer", () => {
  it("stores each event and counts it in the rollups exactly once when the same batch is delivered twice", async () => {
    const target = uniqueTarget();
    const at = Date.UTC(2026, 0, 5, 10, 30, 15);
    const events = [
      likeEvent(target, "u1", at),
      likeEvent(target, "u2", at + 1_000),
      likeEvent(target, "u3", at + MINUTE_MS),
      likeEvent(target, "u1", at + MINUTE_MS + 5, "unlike"),
    ];
    const first = await deliver(EVENTS_QUEUE, events);
    // The redelivery also carries one event twice in the same batch, as a resend can.
    const second = await deliver(EVENTS_QUEUE, [...events, events[0]!]);

    expect(first.result.explicitAcks).toHaveLength(4);
    expect(second.result.explicitAcks).toHaveLength(5);
    expect(second.result.retryMessages).toEqual([]);
    expect(await d1Count("SELECT COUNT(*) AS n FROM events WHERE target = ?", target)).toBe(4);
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    expect(await rollupsOf(target)).toEqual([
      { bucket: minute, type: "like", count: 2 },
      { bucket: minute + MINUTE_MS, type: "like", count: 1 },
      { bucket: minute + MINUTE_MS, type: "unlike", count: 1 },
    ]);
  });

  it("keeps rollups equal to the stored events across many batches with overlaps", async () => {
    const target = uniqueTarget();
    const start = Date.UTC(2026, 0, 6, 8, 0, 0);
    const events: EngagementEvent[] = Array.from({ length: 230 }, (_, i) =>
      likeEvent(target, `user-${i % 17}`, start + i * 7_919, i % 3 === 0 ? "unlike" : "like"),
    );
    // Overlapping windows of up to 100 messages: every event arrives at least once, most twice.
    for (let from = 0; from < events.length; from += 60) await deliver(EVENTS_QUEUE, events.slice(from, from + 100));

    const { results: stored } = await env.DB.prepare(
      "SELECT (at / 60000) * 60000 AS bucket, type, COUNT(*) AS count FROM events WHERE target = ? GROUP BY 1, 2 ORDER BY 1, 2",
    )
      .bind(target)
      .all<{ bucket: number; type: string; count: number }>();
    expect(stored.reduce((n, row) => n + row.count, 0)).toBe(230);
    expect(await rollupsOf(target)).toEqual(stored);
  });

  it("retries a message that is not an event without holding back the valid ones", async () => {
    const target = uniqueTarget();
    const { batch, result } = await deliver(EVENTS_QUEUE, [likeEvent(target, "u1", Date.now()), { type: "like", target: "nope" }]);
    const [valid, poison] = batch.messages;
    expect(result.explicitAcks).toEqual([valid!.id]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([poison!.id]);
    expect(await d1Count("SELECT COUNT(*) AS n FROM events WHERE target = ?", target)).toBe(1);
  });

  it("acks nothing and asks for a retry when D1 fails", async () => {
    const target = uniqueTarget();
    const failingEnv = { ...env, DB: env.UNMIGRATED_DB };
    const { batch, result } = await deliver(EVENTS_QUEUE, [likeEvent(target, "u1", Date.now())], { env: failingEnv });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([batch.messages[0]!.id]);
    expect(await d1Count("SELECT COUNT(*) AS n FROM events WHERE target = ?", target)).toBe(0);
  });

  it("backs off longer with every failed delivery, up to five minutes", () => {
    const delays = [1, 2, 3, 4, 10].map(retryDelaySeconds);
    expect(delays).toEqual([5, 10, 20, 40, 300]);
  });
});

describe("outbox", () => {
  it("delivers every like made over HTTP to D1 with its seq", { timeout: 20_000 }, async () => {
    const target = uniqueTarget();
    const [a, b] = [uniqueUser(), uniqueUser()];
    await like(target, a);
    await like(target, b);
    await like(target, a, "unlike");
    const rows = await waitFor(
      async () =>
        (await env.DB.prepare("SELECT type, user_id, seq FROM events WHERE target = ? ORDER BY seq").bind(target).all()).results,
      (found) => found.length === 3,
      10_000,
      "events in D1",
    );
    expect(rows).toEqual([
      { type: "like", user_id: a, seq: 1 },
      { type: "like", user_id: b, seq: 2 },
      { type: "unlike", user_id: a, seq: 3 },
    ]);
  });
});
