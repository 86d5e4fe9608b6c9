import type { EngagementEvent } from "../protocol/events";
import { EventsQueueBody } from "../protocol/event-batch";
import type { AppEnv } from "../platform/env";
import { logEvent } from "../platform/log";
import { EVENTS_QUEUE, retryDelaySeconds } from "./queues";
import { recordConsumerLag } from "./consumer-lag";
import { eventsConsumerRefuses } from "./dev-faults";
import { appendToLake, type LakeBatch } from "./event-lake";
import { ingestByUser, type UserIngest } from "./user-ingest";
import { bounceForgotten } from "./forgotten-bounce";
import { settleBounded } from "./bounded";

/** Lake puts in flight at once; each is one R2 request. */
const LAKE_PUT_CONCURRENCY = 4;

/** A batch message (one outbox row) or an old one-event message, as one lake object. */
function asLakeBatch(body: EventsQueueBody): LakeBatch {
  if ("producer" in body) return { ...body, legacy: false };
  return { producer: { target: body.target, epoch: body.epoch ?? 0, shard: 0 }, fromSeq: body.seq, toSeq: body.seq, events: [body], legacy: true };
}

/**
 * For each message (one outbox row, or an old one-event message):
 * 1. every user of the batch gets their events in one call to their object, which answers
 *    their lake pseudonym and which events predate their deletion (workers/user-ingest.ts);
 * 2. the message's events go to the lake as one create-only object (workers/event-lake.ts),
 *    users as pseudonyms, forgotten events with no user;
 * 3. forgotten events go back to their rooms to be forgotten (workers/forgotten-bounce.ts);
 * and only then is the message acked. Every step is idempotent, so a redelivery changes
 * nothing. A body that does not parse can never succeed: it is retried at once until the
 * queue moves it to the dead-letter queue, never dropped; other failures come back after a
 * growing delay. No D1 statement here (issue 17): D1's legacy `events` and `event_rollups`
 * are no longer written.
 */
export async function consumeEngagementEvents(batch: MessageBatch<unknown>, env: AppEnv): Promise<void> {
  const valid: { message: Message<unknown>; lake: LakeBatch }[] = [];
  for (const message of batch.messages) {
    const parsed = EventsQueueBody.safeParse(message.body);
    if (parsed.success) valid.push({ message, lake: asLakeBatch(parsed.data) });
    else {
      logEvent("queue_message_invalid", { queue: batch.queue, messageId: message.id, attempts: message.attempts });
      message.retry();
    }
  }
  if (valid.length === 0) return;
  const retry = (messages: readonly Message<unknown>[], error: unknown) => {
    logEvent("queue_batch_retry", { queue: batch.queue, messages: messages.length, error: String(error) });
    for (const message of messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  };

  // A resend can carry one event in two messages of the same batch; its user sees it once.
  const unique = [...new Map(valid.flatMap(({ lake }) => lake.events.map((event) => [event.eventId, event] as const))).values()];
  // The reliability tests' outage (development only): refused here, so the retry path is the real one.
  if (eventsConsumerRefuses(env.ENVIRONMENT, valid.length)) {
    retry(
      valid.map(({ message }) => message),
      new Error("development fault switch: events consumer refusing batches"),
    );
    return;
  }

  const users = await ingestByUser(env, unique);
  const outcomes = await settleBounded(valid, LAKE_PUT_CONCURRENCY, async ({ lake }) => {
    const failed = lake.events.flatMap((event) => {
      const user = event.userId === null ? null : users.get(event.userId);
      return user !== undefined && user !== null && !user.ok ? [user.error] : [];
    });
    if (failed.length > 0) throw new Error(`user objects unreachable: ${failed[0]}`);
    const forgotten = (event: EngagementEvent) => event.userId !== null && isForgotten(users.get(event.userId), event.eventId);
    await appendToLake(env.LAKE, lake, (event) => {
      if (event.userId === null || forgotten(event)) return null;
      const user = users.get(event.userId);
      return user?.ok === true ? user.pseudonym : null;
    });
    await bounceForgotten(env, lake.events.filter(forgotten));
  });

  const acked: Message<unknown>[] = [];
  const stored: EngagementEvent[] = [];
  valid.forEach(({ message, lake }, i) => {
    const outcome = outcomes[i]!;
    if (outcome.status === "rejected") return retry([message], outcome.reason);
    message.ack();
    acked.push(message);
    stored.push(...lake.events);
  });
  await recordConsumerLag(env, EVENTS_QUEUE, stored, acked.map((message) => message.attempts));
}

function isForgotten(user: UserIngest | undefined, eventId: string): boolean {
  return user !== undefined && user.ok && user.forgotten.has(eventId);
}
