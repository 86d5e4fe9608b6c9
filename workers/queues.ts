/** Queue names from wrangler.toml; one `queue()` handler serves all three. */
export const EVENTS_QUEUE = "engagement-events";
export const EVENTS_DLQ = "engagement-events-dlq";
export const DELETIONS_QUEUE = "user-deletions";

/**
 * An environment's queues are named `<queue>-<environment>` in wrangler.toml (its own
 * queues, apart from development's); the handler routes by the name without that suffix.
 */
export function queueBaseName(queue: string, environment: string): string {
  const suffix = `-${environment}`;
  return queue.endsWith(suffix) ? queue.slice(0, -suffix.length) : queue;
}

const BASE_RETRY_DELAY_SECONDS = 5;
const MAX_RETRY_DELAY_SECONDS = 300;

/** Exponential backoff by delivery attempt, so a D1 outage is not hammered by every retry. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, BASE_RETRY_DELAY_SECONDS * 2 ** Math.max(0, attempts - 1));
}
