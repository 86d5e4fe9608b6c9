import { z } from "zod";

/**
 * Fault switches for the reliability tests (docs/reliability.md), set only through
 * `POST /v1/dev/faults`, which answers 404 unless ENVIRONMENT is "development" and the host is
 * loopback. They live in the isolate's memory: under `wrangler dev` one isolate serves both
 * the route and the queue consumer, and a restart clears them. A deployment can never turn one
 * on, and the consumer also checks ENVIRONMENT before honouring one.
 */
export const DevFaultsBody = z.strictObject({
  /** The events consumer refuses every batch (as if D1 failed) for this long from now; 0 ends it. */
  eventsConsumerFailForMs: z.number().int().min(0).max(300_000),
});

export const DevFaultsReport = z.object({
  eventsConsumer: z.object({
    failingUntil: z.string().nullable(),
    batchesRefused: z.number().int().nonnegative(),
    messagesRefused: z.number().int().nonnegative(),
  }),
});
export type DevFaultsReport = z.infer<typeof DevFaultsReport>;

const eventsConsumer = { failUntil: 0, batchesRefused: 0, messagesRefused: 0 };

export function setEventsConsumerFault(failForMs: number, now = Date.now()): void {
  eventsConsumer.failUntil = failForMs === 0 ? 0 : now + failForMs;
}

/** True while the switch is on; counts each refused batch so a test sees the fault held. */
export function eventsConsumerRefuses(environment: string, messages: number, now = Date.now()): boolean {
  if (environment !== "development" || now >= eventsConsumer.failUntil) return false;
  eventsConsumer.batchesRefused += 1;
  eventsConsumer.messagesRefused += messages;
  return true;
}

export function devFaultsReport(now = Date.now()): DevFaultsReport {
  return {
    eventsConsumer: {
      failingUntil: now < eventsConsumer.failUntil ? new Date(eventsConsumer.failUntil).toISOString() : null,
      batchesRefused: eventsConsumer.batchesRefused,
      messagesRefused: eventsConsumer.messagesRefused,
    },
  };
}
