import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EngagementEvent } from "../../protocol/events";
import { MAX_BYTES_PER_SEND, MAX_MESSAGE_BYTES, type EventsQueueBody } from "../../protocol/event-batch";
import { enqueueEvents, OUTBOX_ROWS_MIGRATION, ROOM_PRODUCER, shipOutbox } from "../../durable-objects/outbox";
import { readOutboxBacklog } from "../../durable-objects/outbox-backlog";
import { migrateRoomSchema, ROOM_MIGRATIONS } from "../../durable-objects/room-migrations";
import { migrateShardSchema } from "../../durable-objects/shards/shard-schema";
import { shardStub } from "../../platform/like-router";
import { roomStub, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";
import { waitFor } from "./wait";
import { lakeRowsOf } from "./lake-helpers";
import { waitForIndexedLikes } from "./user-index-helpers";

// The outbox and the replay ring hold one row per commit (durable-objects/outbox.ts,
// replay-ring.ts); these tests pin what that must not change: every event shipped once and in
// order, an exact backlog, erasures reaching single events, and rooms written before upgrading.

const likes = (users: readonly string[]) => users.map((userId) => ({ userId, action: "like" as const }));

function usersFor(n: number): string[] {
  const run = crypto.randomUUID().slice(0, 8);
  return Array.from({ length: n }, (_, i) => `rows-${run}-${i}`);
}

const bytesOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

/**
 * The real queue, with the seq of every event it accepted, the size of every send and of every
 * message. `forward: false` keeps the messages from the consumer: 1,000 distinct users are
 * 1,000 user objects, which would keep one local workerd busy long after the test.
 */
function recordingQueue(failAfterSends = Number.POSITIVE_INFINITY, forward = true) {
  const record = { seqs: [] as number[], sends: [] as number[], sendBytes: [] as number[], messageBytes: [] as number[] };
  const queue = {
    async sendBatch(messages: Iterable<MessageSendRequest<EventsQueueBody>>): Promise<QueueSendBatchResponse> {
      if (record.sends.length >= failAfterSends) throw new Error("queue unavailable");
      const batch = [...messages];
      const response = forward ? await env.EVENTS.sendBatch(batch) : { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
      record.sends.push(batch.length);
      record.sendBytes.push(bytesOf(batch.map((message) => message.body)));
      record.messageBytes.push(...batch.map((message) => bytesOf(message.body)));
      record.seqs.push(...batch.flatMap((message) => ("events" in message.body ? message.body.events.map((event) => event.seq) : [message.body.seq])));
      return response;
    },
  };
  return { queue, record };
}

function outboxEvents(sql: SqlStorage): EngagementEvent[] {
  return sql
    .exec<{ event: string }>("SELECT event.value AS event FROM outbox, json_each(outbox.body) AS event ORDER BY outbox.seq, event.key")
    .toArray()
    .map((row) => EngagementEvent.parse(JSON.parse(row.event)));
}

async function lakeEventSeqs(target: string): Promise<number[]> {
  return (await lakeRowsOf(target)).map((row) => row.seq);
}

const seqsUpTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("one outbox row and one ring row per commit", () => {
  it("stores a 1,000-like commit as one ring row and as few outbox rows as queue messages allow, with an exact backlog", async () => {
    const target = uniqueTarget();
    await runInDurableObject(roomStub(target), async (room, state) => {
      await room.applyLikes({ target, ops: likes(usersFor(1_000)) });
      await state.storage.deleteAlarm();
      const sql = state.storage.sql;
      // An outbox row is one queue message (protocol/event-batch.ts): 1,000 likes are ~170 KB.
      const rows = sql.exec<{ body: string }>("SELECT body FROM outbox").toArray();
      expect(rows).toHaveLength(2);
      expect(rows.every((row) => new TextEncoder().encode(row.body).byteLength < MAX_MESSAGE_BYTES)).toBe(true);
      expect(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM live_events").one().n).toBe(1);
      const events = outboxEvents(sql);
      expect(events.map((event) => event.seq)).toEqual(seqsUpTo(1_000));
      expect(readOutboxBacklog(sql)).toEqual({ events: 1_000, oldestAt: events[0]!.at });
    });
  });

  it("ships a 1,000-event commit as two messages within Queues' limits, in seq order, and removes it once sent", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const { queue, record } = recordingQueue(Number.POSITIVE_INFINITY, false);
    await runInDurableObject(roomStub(target), async (room, state) => {
      await room.applyLikes({ target, ops: likes(usersFor(1_000)) });
      await state.storage.deleteAlarm();
      const shipped = await shipOutbox(queue, state.storage.sql, ROOM_PRODUCER);
      expect(shipped).toEqual({ sent: 2, events: 1_000, more: false });
      expect(readOutboxBacklog(state.storage.sql)).toEqual({ events: 0, oldestAt: null });
    });
    expect(record.sends.every((size) => size <= 100)).toBe(true);
    expect(record.sendBytes.every((bytes) => bytes <= MAX_BYTES_PER_SEND)).toBe(true);
    expect(record.messageBytes.every((bytes) => bytes <= MAX_MESSAGE_BYTES)).toBe(true);
    // The lake side of a shipped row is event-pipeline's and the smaller tests' job here.
    expect(record.seqs).toEqual(seqsUpTo(1_000));
  });

  it("sends one message per commit: the message count follows commits, not likes", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const { queue, record } = recordingQueue(Number.POSITIVE_INFINITY, false);
    await runInDurableObject(roomStub(target), async (room, state) => {
      for (let commit = 0; commit < 5; commit++) await room.applyLikes({ target, ops: likes(usersFor(200)) });
      await state.storage.deleteAlarm();
      expect(await shipOutbox(queue, state.storage.sql, ROOM_PRODUCER)).toEqual({ sent: 5, events: 1_000, more: false });
    });
    expect(record.sends).toEqual([5]);
    expect(record.seqs).toEqual(seqsUpTo(1_000));
  });

  it("keeps only what the queue did not accept when a send fails midway, and sends each event once", { timeout: 60_000 }, async () => {
    const target = uniqueTarget();
    const failing = recordingQueue(1);
    const healthy = recordingQueue();
    const users = [uniqueUser(), uniqueUser(), uniqueUser()];
    await runInDurableObject(roomStub(target), async (room, state) => {
      // A first write makes the room's storage (its outbox among it); then the outbox is ours.
      await room.applyLikes({ target, ops: likes([users[0]!]) });
      await state.storage.deleteAlarm();
      const sql = state.storage.sql;
      sql.exec("DELETE FROM outbox");
      // 150 one-event commits: a sendBatch takes at most 100 messages, so the second send fails.
      const at = Date.now();
      for (let seq = 1; seq <= 150; seq++) {
        enqueueEvents(sql, [{ eventId: crypto.randomUUID(), type: seq % 2 === 1 ? "like" : "unlike", target, userId: users[seq % 3]!, at, seq }]);
      }
      await expect(shipOutbox(failing.queue, sql, ROOM_PRODUCER)).rejects.toThrow("queue unavailable");
      expect(failing.record.sends).toEqual([100]);
      expect(failing.record.seqs).toEqual(seqsUpTo(100));
      const left = outboxEvents(sql);
      expect(readOutboxBacklog(sql)).toEqual({ events: 50, oldestAt: left[0]!.at });
      expect(left.map((event) => event.seq)).toEqual(seqsUpTo(150).slice(100));

      await shipOutbox(healthy.queue, sql, ROOM_PRODUCER);
      expect(readOutboxBacklog(sql).events).toBe(0);
    });
    expect([...failing.record.seqs, ...healthy.record.seqs]).toEqual(seqsUpTo(150));
    expect(await waitFor(() => lakeEventSeqs(target), (seqs) => seqs.length === 150, 40_000, "events in the lake")).toEqual(seqsUpTo(150));
  });

  it("splits a row stored before rows had to fit one message, and ships all of it once", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const { queue, record } = recordingQueue(Number.POSITIVE_INFINITY, false);
    await runInDurableObject(roomStub(target), async (room, state) => {
      await room.applyLikes({ target, ops: likes(usersFor(1_000)) });
      await state.storage.deleteAlarm();
      const sql = state.storage.sql;
      // What the outbox used to store for this commit: one row of ~170 KB.
      const events = outboxEvents(sql);
      sql.exec("DELETE FROM outbox");
      sql.exec("INSERT INTO outbox (seq, events, oldest_at, body) VALUES (?, ?, ?, ?)", 1_000, 1_000, events[0]!.at, JSON.stringify(events));
      expect(await shipOutbox(queue, sql, ROOM_PRODUCER)).toEqual({ sent: 2, events: 1_000, more: false });
    });
    expect(record.messageBytes.every((bytes) => bytes <= MAX_MESSAGE_BYTES)).toBe(true);
    // The lake side of a shipped row is event-pipeline's and the smaller tests' job here.
    expect(record.seqs).toEqual(seqsUpTo(1_000));
  });

  it("anonymises a forgotten user's event inside a batched row and leaves the others and their order alone", async () => {
    const target = uniqueTarget();
    const [a, b, c] = [uniqueUser(), uniqueUser(), uniqueUser()];
    await runInDurableObject(roomStub(target), async (room, state) => {
      await room.applyLikes({ target, ops: likes([a, b, c]) });
      await state.storage.deleteAlarm();
      const forgotten = await room.forgetUser({ target, userId: b });
      await state.storage.deleteAlarm();
      expect(forgotten).toMatchObject({ likesRemoved: 1, outboxAnonymised: 1 });
      const events = outboxEvents(state.storage.sql);
      expect(events.map((event) => [event.type, event.seq, event.userId])).toEqual([
        ["like", 1, a],
        ["like", 2, null],
        ["like", 3, c],
        ["unlike", 4, null],
      ]);
      expect(readOutboxBacklog(state.storage.sql).events).toBe(4);
    });
  });

  it("replays from the middle of a commit only the events after since", async () => {
    const target = uniqueTarget();
    await roomStub(target).applyLikes({ target, ops: likes(usersFor(10)) });
    const socket = await LiveSocket.open(target, { since: 4 });
    expect(await socket.next("hello")).toMatchObject({ seq: 10, resync: false, replay: 6 });
    await socket.next("event", (frame) => frame.seq === 10);
    expect(socket.of("event").map((frame) => [frame.seq, frame.event])).toEqual(
      [5, 6, 7, 8, 9, 10].map((seq) => [seq, { kind: "like", count: seq }]),
    );
    socket.close();
  });
});

describe("rooms written with one row per event", () => {
  it("upgrade without losing unsent events or replay, and clear the D1 pending rows no one copies any more", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const users = [uniqueUser(), uniqueUser(), uniqueUser()];
    const stub = roomStub(target);
    const at = Date.now() - 1_000;

    // The room as the previous schema left it: three likes, each its own outbox and ring row,
    // and a D1 pending row per user, none of them copied to D1 or the queue yet.
    await runInDurableObject(stub, async (room, state) => {
      await room.snapshot(target);
      const sql = state.storage.sql;
      // A read no longer gives a room its schema (its first write does); this one is given it here.
      migrateRoomSchema(sql);
      sql.exec("DROP TABLE outbox");
      sql.exec("DROP TABLE live_events");
      sql.exec("DROP TABLE d1_pending");
      sql.exec("CREATE TABLE outbox (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, body TEXT NOT NULL)");
      sql.exec("CREATE TABLE live_events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)");
      sql.exec("CREATE TABLE d1_pending (user_id TEXT PRIMARY KEY, liked_at INTEGER, seq INTEGER NOT NULL) WITHOUT ROWID");
      sql.exec("CREATE INDEX d1_pending_by_seq ON d1_pending (seq)");
      users.forEach((userId, i) => {
        const seq = i + 1;
        const event: EngagementEvent = { eventId: crypto.randomUUID(), type: "like", target, userId, at: at + i, seq };
        sql.exec("INSERT INTO likes (user_id, liked_at) VALUES (?, ?)", userId, at + i);
        sql.exec("INSERT INTO d1_pending (user_id, liked_at, seq) VALUES (?, ?, ?)", userId, at + i, seq);
        sql.exec("INSERT INTO outbox (seq, event_id, body) VALUES (?, ?, ?)", seq, event.eventId, JSON.stringify(event));
        sql.exec("INSERT INTO live_events (seq, at, body) VALUES (?, ?, ?)", seq, at + i, JSON.stringify({ kind: "like", count: seq }));
      });
      sql.exec("INSERT INTO room_meta (key, value) VALUES ('seq', '3'), ('likes', '3') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
      // Back to the version before the one-row-per-commit step; the steps after it run again too.
      const outboxRowsStep = ROOM_MIGRATIONS.findIndex((step) => step.includes(OUTBOX_ROWS_MIGRATION));
      for (const step of ROOM_MIGRATIONS.slice(outboxRowsStep + 1)) {
        for (const [, table] of step.matchAll(/CREATE TABLE (\w+)/g)) sql.exec(`DROP TABLE IF EXISTS ${table}`);
        for (const [, table, column] of step.matchAll(/ALTER TABLE (\w+) ADD COLUMN (\w+)/g)) sql.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
      }
      sql.exec("UPDATE schema_version SET version = ?", outboxRowsStep);
      await state.storage.deleteAlarm();
    });
    await evictDurableObject(stub);

    // Waking up runs the missing step: the three events are still waiting, in order.
    await runInDurableObject(stub, (_room, state) => {
      expect(readOutboxBacklog(state.storage.sql)).toEqual({ events: 3, oldestAt: at });
      expect(outboxEvents(state.storage.sql).map((event) => [event.seq, event.userId])).toEqual(users.map((userId, i) => [i + 1, userId]));
    });
    const late = uniqueUser();
    const [outcome] = await stub.applyLikes({ target, ops: likes([late]) });
    expect(outcome).toMatchObject({ ok: true, result: { count: 4, seq: 4 } });

    const socket = await LiveSocket.open(target, { since: 0 });
    expect(await socket.next("hello")).toMatchObject({ count: 4, seq: 4, resync: false, replay: 4 });
    await socket.next("event", (frame) => frame.seq === 4);
    expect(socket.of("event").map((frame) => [frame.seq, frame.event])).toEqual([1, 2, 3, 4].map((seq) => [seq, { kind: "like", count: seq }]));
    socket.close();

    // The room's own outbox job ships the old events and the new one to the lake.
    const shipped = await waitFor(
      async () => {
        await runDurableObjectAlarm(stub);
        return lakeRowsOf(target);
      },
      (rows) => rows.length === 4,
      20_000,
      "the upgraded room's events in the lake",
    );
    expect(shipped.map((row) => row.seq)).toEqual([1, 2, 3, 4]);
    // Four users, four pseudonyms, none of them a user id.
    expect(new Set(shipped.map((row) => row.user)).size).toBe(4);
    expect(shipped.every((row) => row.user !== null && ![...users, late].includes(row.user))).toBe(true);
    // The old pending rows for D1 are cleared with the checkpoint gone, and the new like adds
    // none; the likes reach each user's own object through the queue instead.
    await runInDurableObject(stub, (_room, state) => {
      expect(state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM d1_pending").one().n).toBe(0);
    });
    for (const userId of [...users, late]) await waitForIndexedLikes(userId, 1);
  });
});

describe("like shards written with one row per event", () => {
  it("convert their outbox without losing or reordering any event, and clear their D1 pending rows", async () => {
    const target = uniqueTarget();
    const users = [uniqueUser(), uniqueUser()];
    const at = Date.now() - 1_000;
    await runInDurableObject(shardStub(env, target, 1, 0), (_shard, state) => {
      const sql = state.storage.sql;
      const version = sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version;
      // The shard as the schema before the outbox step left it (the series step, the clearing
      // of d1_pending and the recent unlikes came after it).
      sql.exec("DROP TABLE recent_unlikes");
      sql.exec("DROP TABLE analytics_buckets");
      sql.exec("DROP TABLE outbox");
      sql.exec("DROP TABLE d1_pending");
      sql.exec("CREATE TABLE outbox (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, body TEXT NOT NULL)");
      sql.exec("CREATE TABLE d1_pending (user_id TEXT PRIMARY KEY, liked_at INTEGER, seq INTEGER NOT NULL) WITHOUT ROWID");
      sql.exec("CREATE INDEX d1_pending_by_seq ON d1_pending (seq)");
      users.forEach((userId, i) => {
        const event: EngagementEvent = { eventId: crypto.randomUUID(), type: "like", target, userId, at: at + i, seq: i + 1 };
        sql.exec("INSERT INTO outbox (seq, event_id, body) VALUES (?, ?, ?)", i + 1, event.eventId, JSON.stringify(event));
        sql.exec("INSERT INTO d1_pending (user_id, liked_at, seq) VALUES (?, ?, ?)", userId, at + i, i + 1);
      });
      sql.exec("UPDATE schema_version SET version = ?", version - 4);

      migrateShardSchema(sql);

      expect(sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version).toBe(version);
      expect(readOutboxBacklog(sql)).toEqual({ events: 2, oldestAt: at });
      expect(outboxEvents(sql).map((event) => [event.seq, event.userId])).toEqual(users.map((userId, i) => [i + 1, userId]));
      expect(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM d1_pending").one().n).toBe(0);
    });
  });
});

describe("rows written, as the runtime counts them", () => {
  it("counts the rows each commit writes: one more per extra liker, the commit's own rows once", async () => {
    const target = uniqueTarget();
    const room = roomStub(target);
    const rows = async () => (await room.metrics(target)).storage.rowsWritten;
    await room.applyLikes({ target, ops: likes([uniqueUser()]) });
    const afterFirst = await rows();
    await room.applyLikes({ target, ops: likes([uniqueUser()]) });
    const one = (await rows()) - afterFirst;
    const beforeTen = await rows();
    await room.applyLikes({ target, ops: likes(Array.from({ length: 10 }, () => uniqueUser())) });
    const ten = (await rows()) - beforeTen;
    // A like row per liker, plus the commit's own rows (event, count, seq: one set per commit).
    expect(one).toBeGreaterThanOrEqual(3);
    expect(ten).toBeGreaterThanOrEqual(one + 9);
    // One commit carries ten likes: its per-commit rows are not paid ten times.
    expect(ten).toBeLessThan(10 * one);
  });
});
