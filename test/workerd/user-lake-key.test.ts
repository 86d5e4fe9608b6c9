import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../protocol/events";
import { uniqueTarget, uniqueUser } from "./helpers";

function userState(userId: string) {
  return env.USER_STATE.get(env.USER_STATE.idFromName(userId));
}

function likeBy(userId: string, at: number, seq: number): EngagementEvent {
  return { eventId: crypto.randomUUID(), type: "like", target: uniqueTarget(), userId, at, seq };
}

describe("the user object's lake pseudonym", () => {
  it("is stable for a user, differs between users and is not the id itself", async () => {
    const alice = uniqueUser();
    const bob = uniqueUser();
    const first = await userState(alice).ingest({ userId: alice, events: [likeBy(alice, Date.now(), 1)] });
    const again = await userState(alice).ingest({ userId: alice, events: [likeBy(alice, Date.now(), 2)] });
    const other = await userState(bob).ingest({ userId: bob, events: [likeBy(bob, Date.now(), 1)] });
    expect(again.pseudonym).toBe(first.pseudonym);
    expect(other.pseudonym).not.toBe(first.pseudonym);
    expect(first.pseudonym).not.toContain(alice);
    expect(first.forgotten).toEqual([]);
  });

  it("cannot be recomputed after the user's deletion, and events from before it are not kept", async () => {
    const userId = uniqueUser();
    const before = await userState(userId).ingest({ userId, events: [likeBy(userId, Date.now(), 1)] });
    const lateEvent = likeBy(userId, Date.now(), 2);
    await userState(userId).forget();
    const newEvent = likeBy(userId, Date.now() + 1_000, 3);
    const after = await userState(userId).ingest({ userId, events: [lateEvent, newEvent] });
    expect(after.pseudonym).not.toBe(before.pseudonym);
    expect(after.forgotten).toEqual([lateEvent.eventId]);
  });

});
