import type { EngagementEvent } from "../protocol/events";
import { consumerBoardName } from "../protocol/internal/health-board";
import type { AppEnv } from "../platform/env";
import { logEvent } from "../platform/log";

/**
 * Records how far behind the consumer is, as of the batch it just stored: consume time minus
 * the `at` of the batch's oldest event. Queues do not tell a consumer its backlog, but an
 * event that waited long (in a room's outbox, in the queue, in retries) shows up here.
 * One write per acked batch, to the queue's own health board (a Durable Object, not D1).
 * Called after the batch was acked; a failure here is logged, never retried: the events are
 * safe, only the gauge is stale.
 */
export async function recordConsumerLag(
  env: Pick<AppEnv, "HEALTH_BOARD">,
  queue: string,
  events: readonly Pick<EngagementEvent, "at">[],
  attempts: readonly number[],
  now: number = Date.now(),
): Promise<void> {
  if (events.length === 0) return;
  const oldest = events.reduce((min, event) => Math.min(min, event.at), Number.POSITIVE_INFINITY);
  try {
    const board = env.HEALTH_BOARD.get(env.HEALTH_BOARD.idFromName(consumerBoardName(queue)));
    await board.recordConsumerBatch({
      queue,
      lastBatchAt: now,
      messages: attempts.length,
      lagMs: Math.max(0, now - oldest),
      maxAttempts: Math.max(1, ...attempts),
    });
  } catch (error) {
    logEvent("consumer_lag_record_failed", { queue, error: String(error) });
  }
}
