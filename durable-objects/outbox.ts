import { EngagementEvent } from "../protocol/events";

/** Records an event for the queue, inside the transaction that made the change it describes. */
export function enqueueEvent(roomSql: SqlStorage, event: EngagementEvent): void {
  roomSql.exec("INSERT INTO outbox (seq, event_id, body) VALUES (?, ?, ?)", event.seq, event.eventId, JSON.stringify(event));
}

/** Many events in one statement, for a batch that made many changes. */
export function enqueueEvents(roomSql: SqlStorage, events: readonly EngagementEvent[]): void {
  if (events.length === 0) return;
  // `value` is each event's own JSON text, so the batch is encoded once, without escaping.
  roomSql.exec(
    `INSERT INTO outbox (seq, event_id, body) SELECT value ->> '$.seq', value ->> '$.eventId', value FROM json_each(?)`,
    JSON.stringify(events),
  );
}

/** Queues take at most 100 messages and 256 KB per sendBatch. */
const MAX_MESSAGES_PER_SEND = 100;
const MAX_BYTES_PER_SEND = 250_000;

/**
 * Sends the oldest outbox events to the queue and deletes them only once `sendBatch`
 * resolved. A failed send leaves every row in place for the next try, so a queue outage
 * delays events but loses none; the consumer dedupes the rare resend by event id.
 */
export async function shipOutbox(
  queue: Pick<Queue<EngagementEvent>, "sendBatch">,
  roomSql: SqlStorage,
): Promise<{ sent: number; more: boolean }> {
  const rows = roomSql
    .exec<{ seq: number; body: string }>("SELECT seq, body FROM outbox ORDER BY seq LIMIT ?", MAX_MESSAGES_PER_SEND)
    .toArray();
  const messages: MessageSendRequest<EngagementEvent>[] = [];
  let bytes = 0;
  let lastSeq: number | null = null;
  for (const row of rows) {
    bytes += row.body.length;
    if (messages.length > 0 && bytes > MAX_BYTES_PER_SEND) break;
    messages.push({ body: EngagementEvent.parse(JSON.parse(row.body)), contentType: "json" });
    lastSeq = row.seq;
  }
  if (lastSeq === null) return { sent: 0, more: false };
  await queue.sendBatch(messages);
  roomSql.exec("DELETE FROM outbox WHERE seq <= ?", lastSeq);
  const remaining = roomSql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  return { sent: messages.length, more: remaining > 0 };
}
