import type { EventsQueueBody } from "../protocol/event-batch";
import type { DeletionStep } from "../protocol/deletion";

/**
 * The Durable Object classes by binding name. Each class adds itself from its own module
 * (`declare module "platform/env"`), so this floor can type the stubs without importing the
 * floor above it: durable-objects/ imports platform/, never the other way round.
 */
export interface DurableObjectClasses {}

type ObjectNamespaces = {
  [K in keyof DurableObjectClasses]: DurableObjectClasses[K] extends Rpc.DurableObjectBranded
    ? DurableObjectNamespace<DurableObjectClasses[K]>
    : never;
};

/** Bindings and vars from wrangler.toml and `.dev.vars` (see README "Configuration"). */
export interface AppEnv extends ObjectNamespaces {
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
  /** Signs and checks HS256 tokens, the built-in provider (AUTH_HS256); docs/identity.md. */
  AUTH_SECRET?: string;
  /** "on" (default) or "off": whether HS256 tokens signed with AUTH_SECRET sign users in. */
  AUTH_HS256?: string;
  /** Identity providers whose tokens sign users in: a JSON array, or its text (workers/identity/providers.ts). */
  AUTH_PROVIDERS?: string | unknown[];
  /** Development only: shorter JWKS cache times for the tests' loopback provider. */
  AUTH_JWKS_TIMINGS?: string;
  /** Signs live tickets (workers/live-tickets.ts); must differ from AUTH_SECRET. */
  LIVE_TICKET_SECRET?: string;
  /** Keys the subject hashes of deletion receipts, dead letters (workers/subject-key.ts) and erased users' bans (platform/subject-hash.ts); must differ from AUTH_SECRET. */
  SUBJECT_KEY_SECRET?: string;
  ENVIRONMENT: string;
  /** Other sites' origins that may call the API, comma-separated; `*` for anonymous reads (docs/cors.md). */
  CORS_ORIGINS?: string;
  /** "on" (with ENVIRONMENT "development") installs the counting hook of `npm run simulate` (workers/dev-metering.ts). */
  DEV_METERING?: string;
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
