import { EngagementEvent } from "../protocol/events";
import type { AppEnv } from "./env";
import { storeEvents } from "./event-store";
import { logEvent } from "./log";
import { EVENTS_QUEUE, retryDelaySeconds } from "./queues";
import { subjectKeySecret, subjectKeys } from "./subject-key";
import { recordConsumerLag } from "./consumer-lag";
import { eventsConsumerRefuses } from "./dev-faults";
import { feedUserIndexes } from "./user-index-feed";

/**
 * Stores each event once by its id (a redelivered batch changes nothing) and acks only
 * after D1 accepted the write. A body that does not parse can never succeed, so it is
 * retried at once until the queue moves it to the dead-letter queue, never dropped; a D1
 * failure is transient, so those messages come back after a growing delay.
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

  // A resend can carry two copies of one event in the same batch; store it once, ack both.
  const unique = [...new Map(valid.map(({ event }) => [event.eventId, event])).values()];
  try {
    // The reliability tests' outage (development only): fails here, so the retry path below is the real one.
    if (eventsConsumerRefuses(env.ENVIRONMENT, valid.length)) throw new Error("development fault switch: events consumer refusing batches");
    const userIds = unique.flatMap((event) => (event.userId === null ? [] : [event.userId]));
    await storeEvents(env.DB, unique, await subjectKeys(subjectKeySecret(env), userIds));
    await feedUserIndexes(env, unique);
  } catch (error) {
    logEvent("queue_batch_retry", { queue: batch.queue, messages: valid.length, error: String(error) });
    for (const { message } of valid) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  for (const { message } of valid) message.ack();
  await recordConsumerLag(env.DB, EVENTS_QUEUE, unique, valid.map(({ message }) => message.attempts));
}
