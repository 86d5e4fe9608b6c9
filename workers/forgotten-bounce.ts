import type { EngagementEvent } from "../protocol/events";
import type { AppEnv } from "../platform/env";
import { logEvent } from "../platform/log";
import { roomFor } from "../platform/rooms";

/**
 * Events a user's object did not keep because they predate the user's deletion (the deletion's
 * sweep missed that room, or the event was still in flight): the room that wrote them is asked
 * to forget the user, but only what the user did up to the newest of those events. Every
 * forgotten event is at or before the deletion instant and anything the user did after coming
 * back is later than it, so a returning user's new likes, reactions and comments stay.
 */
export async function bounceForgotten(env: AppEnv, events: readonly EngagementEvent[]): Promise<void> {
  const latest = new Map<string, { target: string; userId: string; before: number }>();
  for (const event of events) {
    if (event.userId === null) continue;
    const key = `${event.target}\u0000${event.userId}`;
    const seen = latest.get(key);
    if (seen === undefined || seen.before < event.at) latest.set(key, { target: event.target, userId: event.userId, before: event.at });
  }
  for (const { target, userId, before } of latest.values()) {
    const result = await roomFor(env, target).forgetUser({ target, userId, before });
    logEvent("forgotten_events_bounced", { target, likesRemoved: result.likesRemoved, reactionsRemoved: result.reactionsRemoved, commentsErased: result.commentsErased });
  }
}
