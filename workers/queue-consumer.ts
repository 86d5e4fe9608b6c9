import { drizzle } from "drizzle-orm/d1";
import { EngagementEvent } from "../protocol/events";
import { events } from "./db/schema";
import type { AppEnv } from "./env";
import { logEvent } from "./log";

/** Six columns per event row keeps one insert under D1's 100 bound parameters. */
const EVENTS_PER_INSERT = Math.floor(100 / 6);
export const RETRY_DELAY_SECONDS = 5;

/**
 * Stores each event once by its id (a redelivered batch changes nothing) and acks only
 * after D1 accepted the write. A body that does not parse can never succeed, so it is
 * retried until the queue moves it to the dead-letter queue instead of being dropped.
 */
export async function consumeEngagementEvents(batch: MessageBatch<unknown>, env: AppEnv): Promise<void> {
  const valid: { message: Message<unknown>; event: EngagementEvent }[] = [];
  for (const message of batch.messages) {
    const parsed = EngagementEvent.safeParse(message.body);
    if (parsed.success) valid.push({ message, event: parsed.data });
    else {
      logEvent("queue_message_invalid", { queue: batch.queue, messageId: message.id, attempts: message.attempts });
      message.retry();
    }
  }
  if (valid.length === 0) return;
  const db = drizzle(env.DB);
  try {
    const inserts = [];
    for (let i = 0; i < valid.length; i += EVENTS_PER_INSERT) {
      const chunk = valid.slice(i, i + EVENTS_PER_INSERT).map(({ event }) => event);
      inserts.push(db.insert(events).values(chunk).onConflictDoNothing({ target: events.eventId }));
    }
    const [first, ...rest] = inserts;
    if (first) await db.batch([first, ...rest]);
  } catch (error) {
    logEvent("queue_batch_retry", { queue: batch.queue, messages: valid.length, error: String(error) });
    for (const { message } of valid) message.retry({ delaySeconds: RETRY_DELAY_SECONDS });
    return;
  }
  for (const { message } of valid) message.ack();
}
