import type { EngagementEvent } from "../protocol/events";
import type { EventProducer } from "../protocol/event-batch";

/**
 * The event lake (docs/lake.md): every event, once, as gzipped NDJSON objects in R2 (binding
 * LAKE). One object per queue message, under a key that only the message's content decides:
 *   events/dt=YYYY-MM-DD/hr=HH/<target>/<epoch>-<shard>-<fromSeq>-<toSeq>.ndjson.gz
 * The date and hour are the first event's `at` (UTC), never the consumer's clock, so every
 * redelivery of a message computes the same key; the object is written create-only, so the
 * second write of a key stores nothing.
 */
export const LAKE_PREFIX = "events/";

/** What one lake object is made from: whose events, which of their seqs, and the events. */
export interface LakeBatch {
  producer: EventProducer;
  fromSeq: number;
  toSeq: number;
  events: readonly EngagementEvent[];
  /** A message of the one-event shape from before batching (see lakeKey). */
  legacy: boolean;
}

export function lakeKey(batch: LakeBatch): string {
  const first = batch.events[0];
  if (first === undefined) throw new Error("a lake object needs at least one event");
  const at = new Date(first.at).toISOString();
  const partition = `${LAKE_PREFIX}dt=${at.slice(0, 10)}/hr=${at.slice(11, 13)}/${batch.producer.target}/`;
  const { epoch, shard } = batch.producer;
  // A one-event message from before batching does not say which shard of its epoch wrote it
  // (and shard events then carried no epoch at all), so its seq alone could collide with
  // another producer's: its own event id makes the key unique and still the same on redelivery.
  if (batch.legacy) return `${partition}${epoch}-x-${first.seq}-${first.seq}-${first.eventId}.ndjson.gz`;
  return `${partition}${epoch}-${shard}-${batch.fromSeq}-${batch.toSeq}.ndjson.gz`;
}

/**
 * One lake row: the event with its user id replaced by the user's pseudonym (null for an
 * anonymous or forgotten event), snake_case base columns, then the type's own fields.
 */
export function lakeRow(event: EngagementEvent, user: string | null): Record<string, unknown> {
  const { eventId, type, target, userId: _userId, at, seq, epoch, ...detail } = event;
  return { event_id: eventId, type, target, user, at, epoch: epoch ?? 0, seq, ...detail };
}

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

/**
 * Writes one object create-only (`onlyIf: { etagDoesNotMatch: "*" }`: "only if no object has
 * this key"). R2 answers a failed precondition with `null` instead of an object: the key was
 * already written by an earlier delivery of the same message, which is success here.
 */
export async function appendToLake(
  lake: R2Bucket,
  batch: LakeBatch,
  userOf: (event: EngagementEvent) => string | null,
): Promise<{ key: string; created: boolean }> {
  const key = lakeKey(batch);
  const ndjson = batch.events.map((event) => `${JSON.stringify(lakeRow(event, userOf(event)))}\n`).join("");
  const written = await lake.put(key, await gzip(ndjson), {
    onlyIf: { etagDoesNotMatch: "*" },
    // Plain gzip bytes, no Content-Encoding: whoever downloads an object gets the file as stored.
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: { events: String(batch.events.length) },
  });
  return { key, created: written !== null };
}
