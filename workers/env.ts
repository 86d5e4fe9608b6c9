import type { TargetRoom } from "../durable-objects/target-room";
import type { LikeShard } from "../durable-objects/shards/like-shard";
import type { LiveRelay } from "../durable-objects/relays/live-relay";
import type { EngagementEvent } from "../protocol/events";
import type { DeletionStep } from "../protocol/deletion";

/** Bindings and vars from wrangler.toml and `.dev.vars` (see README "Configuration"). */
export interface AppEnv {
  TARGET_ROOM: DurableObjectNamespace<TargetRoom>;
  /** Shards of sharded hot targets (durable-objects/shards/, docs/shards.md). */
  LIKE_SHARD: DurableObjectNamespace<LikeShard>;
  /** Relays of huge live rooms (durable-objects/relays/, docs/relays.md). */
  LIVE_RELAY: DurableObjectNamespace<LiveRelay>;
  DB: D1Database;
  EVENTS: Queue<EngagementEvent>;
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
  /** Workers Analytics Engine dataset for request metrics; bound in production only. */
  ANALYTICS?: AnalyticsEngineDataset;
}

declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {}
  }
}
