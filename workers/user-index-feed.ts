import type { EngagementEvent } from "../protocol/events";
import type { AppEnv } from "./env";
import { roomFor } from "./rooms";
import { userIndexFor } from "./user-objects";

/** The most events `UserState.ingest` takes in one call (protocol/user-index.ts). */
const EVENTS_PER_INGEST = 1_000;

/**
 * STAND-IN until the events consumer of issue 17 (branch `pipeline`) calls `ingest` itself:
 * hands each user their events of one batch, once per user, and sends the events a deleted
 * user's object refused back to their rooms to be forgotten. Throws if any user object or room
 * fails, so the consumer retries the batch (ingest is idempotent by version).
 */
export async function feedUserIndexes(env: AppEnv, events: readonly EngagementEvent[]): Promise<void> {
  const byUser = new Map<string, EngagementEvent[]>();
  for (const event of events) {
    if (event.userId === null) continue;
    const own = byUser.get(event.userId) ?? [];
    own.push(event);
    byUser.set(event.userId, own);
  }
  await Promise.all(
    [...byUser].map(async ([userId, own]) => {
      for (let i = 0; i < own.length; i += EVENTS_PER_INGEST) {
        const chunk = own.slice(i, i + EVENTS_PER_INGEST);
        const { forgotten } = await userIndexFor(env, userId).ingest({ userId, events: chunk });
        const refused = new Set(forgotten);
        const targets = new Set(chunk.filter((event) => refused.has(event.eventId)).map((event) => event.target));
        await Promise.all([...targets].map((target) => roomFor(env, target).forgetUser({ target, userId })));
      }
    }),
  );
}
