import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ROOM_PRODUCER, shipOutbox } from "../../durable-objects/outbox";
import { lakeRowsOf } from "./lake-helpers";
import { readOutboxBacklog } from "../../durable-objects/outbox-backlog";
import { roomFor } from "../../platform/rooms";
import { uniqueTarget, uniqueUser } from "./helpers";
import { printReliability } from "./reliability-record";
import { waitFor } from "./wait";

// Queue faults for the reliability run (scripts/test-reliability.sh): a poison message, and a
// queue that refuses sends. The consumer outage against wrangler dev is test/reliability/queue-faults.

describe("queue faults", () => {
  it("sends a message that keeps failing to the dead-letter queue after max_retries, which records it in D1", async () => {
    const marker = crypto.randomUUID();
    const userId = uniqueUser("poison");
    const raw: Queue<unknown> = env.EVENTS;
    await raw.send({ type: "like", marker, userId });
    const row = await waitFor(
      () => env.DB.prepare("SELECT queue, attempts, user_id, body FROM dead_letters WHERE body LIKE ?").bind(`%${marker}%`).first(),
      (found) => found !== null,
      30_000,
      "the dead letter",
    );
    expect(row).toMatchObject({ queue: "engagement-events-dlq", user_id: userId });
    printReliability({ kind: "fault", suite: "poison queue message", fault: "message no consumer accepts", injected: 1, survived: row === null ? 0 : 1 });
  }, 40_000);

  it("keeps events while sends fail and ships them, once each, when the queue is back", { timeout: 20_000 }, async () => {
    const target = uniqueTarget();
    const users = [uniqueUser(), uniqueUser(), uniqueUser()];
    const stub = roomFor(env, target);
    const outage = { sendBatch: async () => Promise.reject(new Error("queue unavailable")) };

    await runInDurableObject(stub, async (room, state) => {
      await room.applyLikes({ target, ops: users.map((userId) => ({ userId, action: "like" as const })) });
      // The queue is down: every attempt fails and nothing leaves the outbox.
      for (let attempt = 0; attempt < 3; attempt++) await expect(shipOutbox(outage, state.storage.sql, ROOM_PRODUCER)).rejects.toThrow("queue unavailable");
      expect(readOutboxBacklog(state.storage.sql).events).toBe(3);
    });

    // The queue is back: the room's own alarm ships the backlog.
    await waitFor(
      async () => {
        await runDurableObjectAlarm(stub);
        return runInDurableObject(stub, (_room, state) => readOutboxBacklog(state.storage.sql).events);
      },
      (n) => n === 0,
      10_000,
      "the outbox to drain",
    );
    const results = await waitFor(() => lakeRowsOf(target), (rows) => rows.length === 3, 10_000, "events in the lake");
    // Once each, in order, one pseudonym per user (the lake never holds a user id).
    expect(results.map((row) => row.seq)).toEqual([1, 2, 3]);
    expect(new Set(results.map((row) => row.user)).size).toBe(3);
    expect(results.some((row) => row.user === null || users.includes(row.user))).toBe(false);
    printReliability({ kind: "fault", suite: "outbox while the queue refuses sends", fault: "sendBatch rejects 3 times", injected: 3, survived: results.length === users.length ? 3 : 0 });
  });

  it("ships a stored row whose events do not parse to the dead-letter queue, the rows after it to the consumer, and drops an empty row", { timeout: 40_000 }, async () => {
    const target = uniqueTarget();
    const liker = uniqueUser();
    const marker = crypto.randomUUID();
    await runInDurableObject(roomFor(env, target), async (room, state) => {
      await room.applyLikes({ target, ops: [{ userId: liker, action: "like" }] });
      await state.storage.deleteAlarm();
      // Ahead of the real row: an event no consumer accepts (no such type).
      const poison = [{ eventId: crypto.randomUUID(), type: "no-such-type", target, userId: `poison-${marker}`, at: Date.now(), seq: 1 }];
      state.storage.sql.exec("INSERT INTO outbox (seq, events, oldest_at, body) VALUES (0, 1, ?, ?)", Date.now(), JSON.stringify(poison));
      // And after it, a row with no events, which nothing sends: it must not keep the outbox "not empty".
      state.storage.sql.exec("INSERT INTO outbox (seq, events, oldest_at, body) VALUES (1000, 0, ?, '[]')", Date.now());
      // The outbox addresses rows without parsing their events: the bad one cannot hold the others back.
      expect(await shipOutbox(env.EVENTS, state.storage.sql, ROOM_PRODUCER)).toEqual({ sent: 2, events: 2, more: false });
    });
    const rows = await waitFor(() => lakeRowsOf(target), (found) => found.length === 1, 10_000, "the real like in the lake");
    expect(rows.map((row) => row.seq)).toEqual([1]);
    const dead = await waitFor(
      () => env.DB.prepare("SELECT queue FROM dead_letters WHERE body LIKE ?").bind(`%${marker}%`).first(),
      (found) => found !== null,
      30_000,
      "the bad row's dead letter",
    );
    expect(dead).toEqual({ queue: "engagement-events-dlq" });
  });
});
