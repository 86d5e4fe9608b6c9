import { drizzle } from "drizzle-orm/d1";
import { sql } from "drizzle-orm";
import type { EngagementEvent } from "../protocol/events";
import { queueConsumerStats } from "./db/schema";
import { logEvent } from "./log";

/**
 * Records how far behind the consumer is, as of the batch it just stored: consume time minus
 * the `at` of the batch's oldest event. Queues do not tell a consumer its backlog, but an
 * event that waited long (in a room's outbox, in the queue, in retries) shows up here.
 * Called after the batch was acked; a failure here is logged, never retried: the events are
 * safe, only the gauge is stale.
 */
export async function recordConsumerLag(
  d1: D1Database,
  queue: string,
  events: readonly Pick<EngagementEvent, "at">[],
  attempts: readonly number[],
  now: number = Date.now(),
): Promise<void> {
  if (events.length === 0) return;
  const oldest = Math.min(...events.map((event) => event.at));
  const row = {
    queue,
    lastBatchAt: now,
    messages: events.length,
    lagMs: Math.max(0, now - oldest),
    maxAttempts: Math.max(1, ...attempts),
  };
  try {
    await drizzle(d1)
      .insert(queueConsumerStats)
      .values(row)
      .onConflictDoUpdate({
        target: queueConsumerStats.queue,
        set: {
          lastBatchAt: sql`excluded.last_batch_at`,
          messages: sql`excluded.messages`,
          lagMs: sql`excluded.lag_ms`,
          maxAttempts: sql`excluded.max_attempts`,
        },
      });
  } catch (error) {
    logEvent("consumer_lag_record_failed", { queue, error: String(error) });
  }
}
