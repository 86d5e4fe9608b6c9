import { drizzle } from "drizzle-orm/d1";
import { sql } from "drizzle-orm";
import { eventDetail, type EngagementEvent } from "../protocol/events";
import { ROLLUP_BUCKET_MS } from "../protocol/analytics";
import { events } from "./db/schema";
import { d1Statement } from "./d1-statements";

/** drizzle binds all eight columns (defaults too), so 12 rows stay under D1's 100 bound parameters. */
const EVENTS_PER_INSERT = Math.floor(100 / 8);
/** Two parameters (user id, subject key) per user. */
const USERS_PER_ERASURE = 50;
/** Inlined, not bound: D1 binds JavaScript numbers as REAL, which would turn `/` into float division. */
const BUCKET = sql.raw(String(ROLLUP_BUCKET_MS));

/**
 * Writes a batch of events in ONE D1 batch, which D1 runs as a single transaction:
 * 1. insert each event, doing nothing when its id is already stored (a redelivery);
 * 2. strip the user id from events of users whose deletion completed (late deliveries);
 *    while a deletion is still running its events keep the id, because the deletion looks
 *    for the user's targets through them and purges them itself when it completes;
 * 3. add to the rollups exactly the rows with `rolled_up = 0` and mark them rolled up.
 * Only rows that step 1 really inserted have `rolled_up = 0`, so a duplicate never reaches
 * the rollups, and a failed batch rolls back the events and the rollups together.
 */
export async function storeEvents(d1: D1Database, batch: readonly EngagementEvent[], keysByUser: ReadonlyMap<string, string>): Promise<void> {
  if (batch.length === 0) return;
  const db = drizzle(d1);
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < batch.length; i += EVENTS_PER_INSERT) {
    const rows = batch.slice(i, i + EVENTS_PER_INSERT).map((event) => ({
      eventId: event.eventId,
      type: event.type,
      target: event.target,
      userId: event.userId,
      at: event.at,
      seq: event.seq,
      detail: eventDetail(event),
    }));
    statements.push(d1Statement(d1, db.insert(events).values(rows).onConflictDoNothing({ target: events.eventId })));
  }
  const users = [...keysByUser.entries()];
  for (let i = 0; i < users.length; i += USERS_PER_ERASURE) {
    const pairs = users.slice(i, i + USERS_PER_ERASURE).map(([userId, key]) => sql`(${userId}, ${key})`);
    statements.push(
      d1Statement(
        d1,
        sql`UPDATE events SET user_id = NULL
          WHERE user_id IN (SELECT column1 FROM (VALUES ${sql.join(pairs, sql`, `)})
                            WHERE column2 IN (SELECT subject_key FROM deletion_receipts WHERE status = 'completed'))`,
      ),
    );
  }
  statements.push(
    d1Statement(
      d1,
      sql`INSERT INTO event_rollups (target, bucket, type, count)
        SELECT target, (at / ${BUCKET}) * ${BUCKET}, type, COUNT(*)
        FROM events WHERE rolled_up = 0
        GROUP BY 1, 2, 3
        ON CONFLICT (target, bucket, type) DO UPDATE SET count = count + excluded.count`,
    ),
    d1Statement(d1, sql`UPDATE events SET rolled_up = 1 WHERE rolled_up = 0`),
  );
  await d1.batch(statements);
}
