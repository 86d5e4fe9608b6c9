import type { TargetRoom } from "../durable-objects/target-room";
import type { EngagementEvent } from "../protocol/events";
import type { DeletionStep } from "../protocol/deletion";

/** Bindings and vars from wrangler.toml and `.dev.vars` (see README "Configuration"). */
export interface AppEnv {
  TARGET_ROOM: DurableObjectNamespace<TargetRoom>;
  DB: D1Database;
  EVENTS: Queue<EngagementEvent>;
  DELETIONS: Queue<DeletionStep>;
  AUTH_SECRET: string;
  ENVIRONMENT: string;
  /** Comments each room keeps in its own storage (default 5000); older pages come from D1. */
  COMMENT_RETENTION?: string;
  /** Per user per room; default 10 (durable-objects/moderation/rate-limits.ts). */
  COMMENT_RATE_PER_MINUTE?: string;
  /** Likes and reactions together, per user per room; default 100. */
  REACTION_RATE_PER_MINUTE?: string;
  /** Workers Analytics Engine dataset for request metrics; bound in production only. */
  ANALYTICS?: AnalyticsEngineDataset;
}

declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {}
  }
}
