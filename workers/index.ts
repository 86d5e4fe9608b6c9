import { env as moduleEnv } from "cloudflare:workers";
import { createApp } from "./app";
import type { AppEnv } from "../platform/env";
import { consumeEngagementEvents } from "./queue-consumer";
import { recordDeadLetters } from "./dead-letters";
import { consumeDeletionSteps } from "./deletion/consumer";
import { DELETIONS_QUEUE, EVENTS_DLQ, EVENTS_QUEUE, queueBaseName } from "./queues";
import { logEvent } from "../platform/log";
import { runScheduledJobs } from "./scheduled";

import { TargetRoom as PlainTargetRoom } from "../durable-objects/target-room";
import { LikeShard as PlainLikeShard } from "../durable-objects/shards/like-shard";
import { LiveRelay as PlainLiveRelay } from "../durable-objects/relays/live-relay";
import { UserState as PlainUserState } from "../durable-objects/users/user-state";
import { Leaderboard as PlainLeaderboard } from "../durable-objects/analytics/leaderboard";
import { HealthBoard as PlainHealthBoard } from "../durable-objects/health/health-board";
import { BenchFloor as PlainBenchFloor } from "../durable-objects/bench/bench-floor";
import { meteredHandler, meteredObject, meteringWanted } from "./dev-metering";

/**
 * Decided once per isolate, from the module-level env: only a development run that asks for it
 * (`npm run simulate`) gets the counting wrappers; everywhere else these are the plain classes
 * and handlers, with nothing in between.
 */
const METERING = meteringWanted(moduleEnv);

// Export every Durable Object class this way: a class exported plain still has the calls made
// TO it counted (stubs are wrapped), but not what it asks of D1, Queues and R2 itself.

export const TargetRoom = METERING ? meteredObject(PlainTargetRoom, "TargetRoom") : PlainTargetRoom;
export const LikeShard = METERING ? meteredObject(PlainLikeShard, "LikeShard") : PlainLikeShard;
export const LiveRelay = METERING ? meteredObject(PlainLiveRelay, "LiveRelay") : PlainLiveRelay;
export const UserState = METERING ? meteredObject(PlainUserState, "UserState") : PlainUserState;
export const Leaderboard = METERING ? meteredObject(PlainLeaderboard, "Leaderboard") : PlainLeaderboard;
export const HealthBoard = METERING ? meteredObject(PlainHealthBoard, "HealthBoard") : PlainHealthBoard;
export const BenchFloor = METERING ? meteredObject(PlainBenchFloor, "BenchFloor") : PlainBenchFloor;

const app = createApp();

const handler = {
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

export default METERING ? meteredHandler<AppEnv, typeof handler>(handler) : handler;
