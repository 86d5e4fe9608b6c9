import { z } from "zod";
import { EngagementEvent } from "../protocol/events";
import { setInEventArrays } from "./event-array-rows";
import { recordEngagement } from "./analytics/series";

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

/** Well under DO SQLite's 2 MB per row: a larger write is split over several rows. */
const MAX_ROW_CHARS = 1_000_000;

/** Records an event for the queue, inside the transaction that made the change it describes. */
export function enqueueEvent(roomSql: SqlStorage, event: EngagementEvent): void {
  enqueueEvents(roomSql, [event]);
}

/**
 * A batch's events (in seq order) as one row: one statement and one JSON text, whatever the batch size.
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
  if (body.length > MAX_ROW_CHARS && events.length > 1) {
    const half = Math.ceil(events.length / 2);
    enqueueRows(roomSql, events.slice(0, half));
    enqueueRows(roomSql, events.slice(half));
    return;
  }
  roomSql.exec("INSERT INTO outbox (seq, events, oldest_at, body) VALUES (?, ?, ?, ?)", last.seq, events.length, first.at, body);
}

/** Queues take at most 100 messages and 256 KB per sendBatch. */
const MAX_MESSAGES_PER_SEND = 100;
const MAX_BYTES_PER_SEND = 250_000;
/** One job run stops starting new rows past this many events; a row is never cut on purpose. */
const MAX_EVENTS_PER_RUN = 2_000;

const StoredEvents = z.array(z.unknown());

interface OutboxRow {
  seq: number;
  events: unknown[];
  /** Ids of this row's head events the queue accepted during this run. */
  accepted: string[];
}

/**
 * Sends the oldest outbox events to the queue in order, as many sends as Queues' limits need
 * (a row of 1,000 likes takes ten). A row leaves storage once every event in it was accepted.
 * When a send fails, the accepted part of a row is cut from it before the error propagates, so
 * the next try resends only what the queue did not accept; a crash between sends may resend
 * more, which the consumer dedupes by event id (workers/event-store.ts).
 */
export async function shipOutbox(
  queue: Pick<Queue<EngagementEvent>, "sendBatch">,
  roomSql: SqlStorage,
): Promise<{ sent: number; more: boolean }> {
  const rows = headRows(roomSql);
  let sent = 0;
  try {
    for (let batch = nextSend(rows); batch.messages.length > 0; batch = nextSend(rows)) {
      await queue.sendBatch(batch.messages);
      for (const [row, ids] of batch.taken) row.accepted.push(...ids);
      sent += batch.messages.length;
    }
  } finally {
    forgetSent(roomSql, rows);
  }
  return { sent, more: roomSql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0 };
}

function headRows(roomSql: SqlStorage): OutboxRow[] {
  const rows: OutboxRow[] = [];
  let events = 0;
  for (const row of roomSql.exec<{ seq: number; body: string }>("SELECT seq, body FROM outbox ORDER BY seq")) {
    const parsed = StoredEvents.parse(JSON.parse(row.body));
    rows.push({ seq: row.seq, events: parsed, accepted: [] });
    events += parsed.length;
    if (events >= MAX_EVENTS_PER_RUN) break;
  }
  return rows;
}

/** The next unsent events in order, within one sendBatch's limits; each checked on its way out. */
function nextSend(rows: readonly OutboxRow[]): { messages: MessageSendRequest<EngagementEvent>[]; taken: Map<OutboxRow, string[]> } {
  const messages: MessageSendRequest<EngagementEvent>[] = [];
  const taken = new Map<OutboxRow, string[]>();
  let bytes = 0;
  for (const row of rows) {
    for (let i = row.accepted.length; i < row.events.length; i++) {
      if (messages.length === MAX_MESSAGES_PER_SEND) return { messages, taken };
      const event = EngagementEvent.parse(row.events[i]);
      bytes += JSON.stringify(event).length;
      if (messages.length > 0 && bytes > MAX_BYTES_PER_SEND) return { messages, taken };
      messages.push({ body: event, contentType: "json" });
      const ids = taken.get(row);
      if (ids === undefined) taken.set(row, [event.eventId]);
      else ids.push(event.eventId);
    }
  }
  return { messages, taken };
}

/**
 * Drops what the queue accepted: whole rows by key, and the accepted head of a partly sent
 * row. The head is cut from what storage holds now, by event id, not from the copy read
 * before the sends: an erasure that anonymised the row meanwhile (forget-user.ts) is kept, and
 * a head another run already cut is not cut twice.
 */
function forgetSent(roomSql: SqlStorage, rows: readonly OutboxRow[]): void {
  let lastWhole: number | null = null;
  for (const row of rows) {
    if (row.accepted.length === row.events.length) {
      lastWhole = row.seq;
      continue;
    }
    if (row.accepted.length > 0) cutRowHead(roomSql, row.seq, new Set(row.accepted));
    break;
  }
  if (lastWhole !== null) roomSql.exec("DELETE FROM outbox WHERE seq <= ?", lastWhole);
}

function cutRowHead(roomSql: SqlStorage, seq: number, accepted: ReadonlySet<string>): void {
  const stored = roomSql.exec<{ body: string }>("SELECT body FROM outbox WHERE seq = ?", seq).toArray()[0];
  if (stored === undefined) return;
  const events = StoredEvents.parse(JSON.parse(stored.body)).map((event) => EngagementEvent.parse(event));
  let cut = 0;
  while (cut < events.length && accepted.has(events[cut]!.eventId)) cut++;
  const rest = events.slice(cut);
  const first = rest[0];
  if (first === undefined) roomSql.exec("DELETE FROM outbox WHERE seq = ?", seq);
  else if (cut > 0) roomSql.exec("UPDATE outbox SET body = ?, events = ?, oldest_at = ? WHERE seq = ?", JSON.stringify(rest), rest.length, first.at, seq);
}

/**
 * A user's erasure: their events still waiting keep their id, seq and order but lose the
 * user id. Returns how many events it changed (not rows).
 */
export function anonymiseOutboxEvents(roomSql: SqlStorage, userId: string): number {
  return setInEventArrays(roomSql, { table: "outbox", element: "" }, { path: "$.userId", equals: userId }, [["$.userId", "null"]]);
}
