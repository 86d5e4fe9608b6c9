import type { EngagementEvent } from "../protocol/events";
import { UserEventsInput, UserEventsResult } from "../protocol/internal/user-index";
import type { AppEnv } from "../platform/env";
import { settleBounded } from "./bounded";
import { yieldToRuntime } from "../platform/yield";

/** User objects called at once by one batch; the lake's puts and the rooms take the rest of the 6. */
export const USER_INGEST_CONCURRENCY = 4;
/** UserEventsInput allows 1,000 events per call. */
const MAX_EVENTS_PER_INGEST = 1_000;

/**
 * User objects called between two yields to the runtime. A timer goes through the runtime's
 * event loop, which then also takes in new requests: calls to objects in the same process
 * never wait on the network, so without it a batch of thousands of users kept every other
 * request off the thread until its last user (under `wrangler dev`, /health went unanswered
 * for minutes behind a few thousand likers). A yield after every user went too far the other
 * way: under a steady HTTP load each one queued the consumer behind every waiting request,
 * and the user index fell tens of seconds behind.
 */
export const USERS_PER_YIELD = 16;

/** One user's answer for this batch, or why their object could not be reached. */
export type UserIngest = { ok: true; pseudonym: string; forgotten: ReadonlySet<string> } | { ok: false; error: string };

/**
 * Hands each distinct user of a batch their events in ONE call to their object
 * (`UserState.ingest`, protocol/internal/user-index.ts), however many messages the events came in:
 * the queue's batches group updates per user. Events without a user (erasures) go nowhere.
 */
export async function ingestByUser(env: AppEnv, events: readonly EngagementEvent[]): Promise<Map<string, UserIngest>> {
  const byUser = new Map<string, EngagementEvent[]>();
  for (const event of events) {
    if (event.userId === null) continue;
    const list = byUser.get(event.userId);
    if (list === undefined) byUser.set(event.userId, [event]);
    else list.push(event);
  }
  const users = [...byUser.keys()];
  let started = 0;
  const settled = await settleBounded(users, USER_INGEST_CONCURRENCY, async (userId) => {
    if (++started % USERS_PER_YIELD === 0) await yieldToRuntime();
    return ingestOne(env, userId, byUser.get(userId)!);
  });
  return new Map(
    users.map((userId, i) => {
      const outcome = settled[i]!;
      return [userId, outcome.status === "fulfilled" ? outcome.value : { ok: false as const, error: String(outcome.reason) }];
    }),
  );
}

async function ingestOne(env: AppEnv, userId: string, events: readonly EngagementEvent[]): Promise<UserIngest> {
  const stub = env.USER_STATE.get(env.USER_STATE.idFromName(userId));
  let pseudonym = "";
  const forgotten = new Set<string>();
  for (let i = 0; i < events.length; i += MAX_EVENTS_PER_INGEST) {
    // Parsed here too: an RPC answer is a boundary like any other.
    const answer = UserEventsResult.parse(await stub.ingest({ userId, events: events.slice(i, i + MAX_EVENTS_PER_INGEST) }));
    pseudonym = answer.pseudonym;
    for (const eventId of answer.forgotten) forgotten.add(eventId);
  }
  return { ok: true, pseudonym, forgotten };
}
