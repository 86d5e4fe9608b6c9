import { z } from "zod";
import { EngagementEvent } from "../protocol/events";
import { TargetId } from "../protocol/target";
import { setInEventArrays } from "./event-array-rows";
import { recordEngagement } from "./analytics/series";
import { EventBatchMessage, MAX_BYTES_PER_SEND, MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_SEND, type EventProducer } from "../protocol/event-batch";

/**
 * Events waiting for the queue, one row per write (a commit's whole batch of likes is one
 * row, not one per like): `seq` is the last event's seq, `events` how many the row still
 * holds and `oldest_at` the `at` of its first, so the backlog is exact without reading bodies.
 * Rooms and like shards both create it (room-migrations.ts, shards/shard-schema.ts).
 */
export const OUTBOX_ROWS_MIGRATION = `
  ALTER TABLE outbox RENAME TO outbox_by_event;
  CREATE TABLE outbox (seq INTEGER PRIMARY KEY, events INTEGER NOT NULL, oldest_at INTEGER NOT NULL, body TEXT NOT NULL);
  -- Unsent events of the old one-row-per-event shape keep their seq and order.
  INSERT INTO outbox (seq, events, oldest_at, body)
    SELECT seq, 1, json_extract(body, '$.at'), json_array(json(body)) FROM outbox_by_event ORDER BY seq;
  DROP TABLE outbox_by_event;`;

/**
 * A row is one queue message (protocol/event-batch.ts), so it stays under a message's size with
 * room for the envelope; a bigger commit is stored as several rows. Rows never change their
 * events afterwards (an erasure only blanks user ids, which shrinks them), so a row's seq range
 * names the same events on every send: the event lake's create-only key rests on that.
 */
const MAX_ROW_BYTES = MAX_MESSAGE_BYTES - 2_000;

/** UTF-8 size, computed only when the text could be near the limit (3 bytes per UTF-16 unit at most). */
function fitsRow(text: string): boolean {
  if (text.length * 3 <= MAX_ROW_BYTES) return true;
  return new TextEncoder().encode(text).byteLength <= MAX_ROW_BYTES;
}

/** Records an event for the queue, inside the transaction that made the change it describes. */
export function enqueueEvent(roomSql: SqlStorage, event: EngagementEvent): void {
  enqueueEvents(roomSql, [event]);
}

/**
 * A batch's events (in seq order) as one row, or as few rows as a queue message's size allows.
 * Every event that enters an outbox is committed, once, in this transaction: that makes this the
 * place where the target's analytics series counts it too (analytics/series.ts).
 */
export function enqueueEvents(roomSql: SqlStorage, events: readonly EngagementEvent[]): void {
  recordEngagement(roomSql, events);
  enqueueRows(roomSql, events);
}

function enqueueRows(roomSql: SqlStorage, events: readonly EngagementEvent[]): void {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) return;
  const body = JSON.stringify(events);
  if (!fitsRow(body) && events.length > 1) {
    const half = Math.ceil(events.length / 2);
    enqueueRows(roomSql, events.slice(0, half));
    enqueueRows(roomSql, events.slice(half));
    return;
  }
  roomSql.exec("INSERT INTO outbox (seq, events, oldest_at, body) VALUES (?, ?, ?, ?)", last.seq, events.length, first.at, body);
}

/** One job run stops starting new rows past this many events. */
const MAX_EVENTS_PER_RUN = 5_000;

const StoredEvents = z.array(z.unknown());

/** Where this outbox lives; the target comes from the events themselves. */
export type OutboxProducer = Omit<EventProducer, "target">;

/** A target's room: epoch 0 of its own seq (docs/shards.md). */
export const ROOM_PRODUCER: OutboxProducer = { epoch: 0, shard: 0 };

/**
 * A row on its way out: the message's envelope, and the row's events as stored. The room
 * wrote them itself, in the transaction that made them; the consumer parses every message
 * (workers/queue-consumer.ts), and one that fails goes to the dead-letter queue instead of
 * holding this outbox back.
 */
interface OutboxRow {
  seq: number;
  message: Omit<EventBatchMessage, "events"> & { events: unknown[] };
  events: number;
  bytes: number;
}

/**
 * Sends the oldest outbox rows to the queue in order, one message per row, as few sendBatch
 * calls as Queues' limits allow. A row leaves storage only once the queue accepted its message
 * (a sendBatch is all or nothing): when a send fails, the rows of earlier sends are gone and
 * the rest wait for the next try. A crash between a send and the delete resends whole rows,
 * with the same seq range, which the lake's create-only key and the consumers' event ids absorb.
 */
export async function shipOutbox(
  queue: Pick<Queue<unknown>, "sendBatch">,
  roomSql: SqlStorage,
  producer: OutboxProducer,
): Promise<{ sent: number; events: number; more: boolean }> {
  const rows = headRows(roomSql, producer);
  let sent = 0;
  let events = 0;
  for (let from = 0; from < rows.length; ) {
    const to = nextSend(rows, from);
    const batch = rows.slice(from, to);
    await queue.sendBatch(batch.map((row) => ({ body: row.message, contentType: "json" as const })));
    // Right after each accepted send, so a later failing send cannot make these go again.
    roomSql.exec("DELETE FROM outbox WHERE seq <= ?", batch[batch.length - 1]!.seq);
    sent += batch.length;
    events += batch.reduce((n, row) => n + row.events, 0);
    from = to;
  }
  return { sent, events, more: roomSql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0 };
}

/**
 * What a row's envelope needs, read by SQLite from the stored JSON: the first event's target,
 * the seq range (from the seqs themselves, not first and last, so a row's envelope can never
 * contradict its events) and the byte size. This runs on the room's thread between likes and
 * their broadcasts: parsing every event here, then again in the consumer, cost 4-8 ms per
 * 1,000 events under the bench's profiler.
 */
const HEAD_ROWS_SQL = `
  SELECT seq, body, json_type(body) AS type, json_array_length(body) AS events, length(CAST(body AS BLOB)) AS bytes,
    json_extract(body, '$[0].target') AS target,
    (SELECT min(json_extract(value, '$.seq')) FROM json_each(outbox.body)) AS from_seq,
    (SELECT max(json_extract(value, '$.seq')) FROM json_each(outbox.body)) AS to_seq
  FROM outbox ORDER BY seq`;

const StoredHead = z.object({
  seq: z.number().int(),
  body: z.string(),
  type: z.literal("array"),
  events: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  target: TargetId,
  from_seq: z.number().int().nonnegative(),
  to_seq: z.number().int().nonnegative(),
});

const EmptyRow = z.object({ seq: z.number().int(), type: z.literal("array"), events: z.literal(0) });

function headRows(roomSql: SqlStorage, producer: OutboxProducer): OutboxRow[] {
  splitOversizedRows(roomSql);
  const rows: OutboxRow[] = [];
  const empty: number[] = [];
  let events = 0;
  for (const stored of roomSql.exec(HEAD_ROWS_SQL)) {
    // An empty row has nothing to send and no target to address it by; left, it would keep the
    // job coming back. Found here, on the read the send makes anyway, not by a scan of every body.
    const emptyRow = EmptyRow.safeParse(stored);
    if (emptyRow.success) {
      empty.push(emptyRow.data.seq);
      continue;
    }
    const head = StoredHead.parse(stored);
    const envelope = { producer: { target: head.target, ...producer }, fromSeq: head.from_seq, toSeq: head.to_seq };
    // The message's JSON is the envelope's with `,"events":` and the stored body before its last brace.
    const bytes = new TextEncoder().encode(JSON.stringify(envelope)).byteLength + ',"events":'.length + head.bytes;
    rows.push({ seq: head.seq, message: { ...envelope, events: StoredEvents.parse(JSON.parse(head.body)) }, events: head.events, bytes });
    events += head.events;
    if (events >= MAX_EVENTS_PER_RUN) break;
  }
  if (empty.length > 0) roomSql.exec("DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))", JSON.stringify(empty));
  return rows;
}

/** The end (exclusive) of the next sendBatch starting at `from`: at least one row. */
function nextSend(rows: readonly OutboxRow[], from: number): number {
  let bytes = 0;
  let to = from;
  while (to < rows.length && to - from < MAX_MESSAGES_PER_SEND) {
    bytes += rows[to]!.bytes;
    if (to > from && bytes > MAX_BYTES_PER_SEND) break;
    to++;
  }
  return to;
}

/**
 * Rows written before rows had to fit one message (up to 1 MB): split in place, in one
 * synchronous run of statements (so atomic), before any of them is sent.
 */
function splitOversizedRows(roomSql: SqlStorage): void {
  const big = roomSql
    .exec<{ seq: number; body: string }>("SELECT seq, body FROM outbox WHERE length(body) * 3 > ? ORDER BY seq", MAX_ROW_BYTES)
    .toArray()
    .filter((row) => !fitsRow(row.body));
  for (const row of big) {
    const events = StoredEvents.parse(JSON.parse(row.body)).map((event) => EngagementEvent.parse(event));
    roomSql.exec("DELETE FROM outbox WHERE seq = ?", row.seq);
    enqueueEvents(roomSql, events);
  }
}

/**
 * A user's erasure: their events still waiting keep their id, seq and order but lose the
 * user id. Returns how many events it changed (not rows).
 */
export function anonymiseOutboxEvents(roomSql: SqlStorage, userId: string): number {
  return setInEventArrays(roomSql, { table: "outbox", element: "" }, { path: "$.userId", equals: userId }, [["$.userId", "null"]]);
}
