import { createApp } from "./app";
import type { AppEnv } from "./env";
import { consumeEngagementEvents } from "./queue-consumer";
import { recordDeadLetters } from "./dead-letters";
import { consumeDeletionSteps } from "./deletion/consumer";
import { DELETIONS_QUEUE, EVENTS_DLQ, EVENTS_QUEUE, queueBaseName } from "./queues";
import { logEvent } from "./log";
import { runScheduledJobs } from "./scheduled";

export { TargetRoom } from "../durable-objects/target-room";
export { LikeShard } from "../durable-objects/shards/like-shard";
export { LiveRelay } from "../durable-objects/relays/live-relay";
export { UserState } from "../durable-objects/users/user-state";
export { HealthBoard } from "../durable-objects/health/health-board";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    switch (queueBaseName(batch.queue, env.ENVIRONMENT)) {
      case EVENTS_QUEUE:
        return consumeEngagementEvents(batch, env);
      case EVENTS_DLQ:
        return recordDeadLetters(batch, env);
      case DELETIONS_QUEUE:
        return consumeDeletionSteps(batch, env);
      default:
        // A queue bound by mistake: leave its messages to its own retries rather than drop them.
        logEvent("queue_unknown", { queue: batch.queue, messages: batch.messages.length });
        batch.retryAll();
    }
  },
  async scheduled(controller, env) {
    await runScheduledJobs(env, controller.cron);
  },
} satisfies ExportedHandler<AppEnv>;
