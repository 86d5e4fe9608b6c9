import type { TargetRoom } from "../durable-objects/target-room";
import type { LikeShard } from "../durable-objects/shards/like-shard";
import type { LiveRelay } from "../durable-objects/relays/live-relay";
import type { UserState } from "../durable-objects/users/user-state";
import type { HealthBoard } from "../durable-objects/health/health-board";
import type { EventsQueueBody } from "../protocol/event-batch";
import type { DeletionStep } from "../protocol/deletion";

/** Bindings and vars from wrangler.toml and `.dev.vars` (see README "Configuration"). */
export interface AppEnv {
  TARGET_ROOM: DurableObjectNamespace<TargetRoom>;
  /** Shards of sharded hot targets (durable-objects/shards/, docs/shards.md). */
  LIKE_SHARD: DurableObjectNamespace<LikeShard>;
  /** Relays of huge live rooms (durable-objects/relays/, docs/relays.md). */
  LIVE_RELAY: DurableObjectNamespace<LiveRelay>;
  /** One per user: quotas across rooms (durable-objects/users/, docs/operations.md "Limits"). */
  USER_STATE: DurableObjectNamespace<UserState>;
  /** Consumer lag and rooms' outbox backlogs for the health route (durable-objects/health/). */
  HEALTH_BOARD: DurableObjectNamespace<HealthBoard>;
  /** Writes per user across rooms, and moderation writes per user (`[[ratelimits]]`); unbound: no limit. */
  USER_WRITES?: RateLimit;
  MODERATION_WRITES?: RateLimit;
  DB: D1Database;
  /** The event lake: every event, gzipped NDJSON objects by date and hour (docs/lake.md). */
  LAKE: R2Bucket;
  /** Comment pages older than a room's window. */
  COMMENT_ARCHIVE: R2Bucket;
  /** Batches of events (protocol/event-batch.ts); the old one-event shape is still accepted. */
  EVENTS: Queue<EventsQueueBody>;
  DELETIONS: Queue<DeletionStep>;
  AUTH_SECRET: string;
  /** Signs live tickets (workers/live-tickets.ts); must differ from AUTH_SECRET. */
  LIVE_TICKET_SECRET?: string;
  ENVIRONMENT: string;
  /** Comments each room keeps in its own storage (default 5000); older pages come from D1. */
  COMMENT_RETENTION?: string;
  /** Per user per room; default 10 (durable-objects/moderation/rate-limits.ts). */
  COMMENT_RATE_PER_MINUTE?: string;
  /** Likes and reactions together, per user per room; default 100. */
  REACTION_RATE_PER_MINUTE?: string;
  /** Likes per second over 2 s above which a target shards itself (N = 4); unset: never automatically. */
  HOT_TARGET_LIKES_PER_SECOND?: string;
  /** Room sockets a target keeps before new viewers go to relays; default 2000 (docs/relays.md). */
  LIVE_RELAY_THRESHOLD?: string;
  /** Rooms a user's writes may create per rolling day; default 200. */
  USER_NEW_ROOMS_PER_DAY?: string;
  /** Targets a user may register per rolling day; default 20. */
  USER_REGISTRATIONS_PER_DAY?: string;
  /** Workers Analytics Engine dataset for request metrics; bound in production only. */
  ANALYTICS?: AnalyticsEngineDataset;
}

declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {}
  }
}
