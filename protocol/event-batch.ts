import { z } from "zod";
import { EngagementEvent } from "./events";
import { TargetId } from "./target";

/**
 * Who wrote a batch of events: a target's room (epoch 0, shard 0) or shard `shard` of a like
 * epoch `epoch` (docs/shards.md). Each producer numbers its own events, so (producer, seq
 * range) names one outbox row for ever: the event lake keys its objects by it (docs/lake.md).
 */
export const EventProducer = z.strictObject({
  target: TargetId,
  epoch: z.number().int().nonnegative(),
  shard: z.number().int().nonnegative(),
});
export type EventProducer = z.infer<typeof EventProducer>;

/** A commit's events can be many: a 128 KB message holds several hundred ordinary likes. */
export const MAX_EVENTS_PER_MESSAGE = 2_000;

/**
 * One `engagement-events` queue message: one outbox row, i.e. the events one commit of one
 * producer wrote, in seq order (a commit too big for one message was stored as several rows).
 * So the queue's message rate follows commits, not likes.
 */
export const EventBatchMessage = z
  .strictObject({
    producer: EventProducer,
    fromSeq: z.number().int().nonnegative(),
    toSeq: z.number().int().nonnegative(),
    events: z.array(EngagementEvent).min(1).max(MAX_EVENTS_PER_MESSAGE),
  })
  .refine((batch) => batch.fromSeq <= batch.toSeq, { message: "fromSeq must not exceed toSeq", path: ["fromSeq"] })
  .refine((batch) => batch.events.every((event) => event.target === batch.producer.target), {
    message: "every event must be about the producer's target",
    path: ["events"],
  });
// An outbox row holds one producer's events, so the producer's target is every event's target:
// a message that says otherwise was not written by an outbox and is retried to the DLQ.
export type EventBatchMessage = z.infer<typeof EventBatchMessage>;

/**
 * What the consumer accepts: a batch, or one bare event, the shape every message had before
 * batching (still in flight during a deploy, or waiting in retries).
 */
export const EventsQueueBody = z.union([EventBatchMessage, EngagementEvent]);
export type EventsQueueBody = z.infer<typeof EventsQueueBody>;

/** Queues' published limits: 128 KB per message, 100 messages and 256 KB per sendBatch. */
export const MAX_MESSAGE_BYTES = 128_000;
export const MAX_MESSAGES_PER_SEND = 100;
export const MAX_BYTES_PER_SEND = 256_000;
