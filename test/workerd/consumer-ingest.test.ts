import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../protocol/events";
import { EVENTS_QUEUE } from "../../workers/queues";
import { uniqueTarget, uniqueUser } from "./helpers";
import { batchMessage, deliver, likeEvents } from "./pipeline-helpers";
import { lakeRowsOf } from "./lake-helpers";

function userObject(userId: string) {
  return env.USER_STATE.get(env.USER_STATE.idFromName(userId));
}

/** The index's revision moves once per `ingest` call that changed something: one call, revision 1. */
async function revisionOf(userId: string): Promise<number> {
  return (await userObject(userId).listTargets({ after: null, limit: 100 })).revision;
}

/**
 * The real namespace, except that `failing`'s object is one of another class: its `ingest`
 * fails as an unreachable object's would (the same stand-in event-pipeline.test.ts uses for
 * every user), while every other user reaches their own object.
 */
function envWithUnreachableUser(failing: string) {
  const failingId = env.USER_STATE.idFromName(failing);
  const namespace = {
    idFromName: (name: string) => env.USER_STATE.idFromName(name),
    get: (id: DurableObjectId) => (id.equals(failingId) ? (env.TARGET_ROOM.get(env.TARGET_ROOM.idFromName(uniqueTarget())) as unknown) : env.USER_STATE.get(id)),
  };
  return { ...env, USER_STATE: namespace as unknown as typeof env.USER_STATE };
}

/** Events on `targets` (one message each), every user liking every target. */
function messagesFor(targets: readonly string[], users: readonly string[], at: number) {
  return targets.map((target) => batchMessage(likeEvents(target, users, at)));
}

describe("events consumer, per user object", () => {
  it("calls each user's object once per batch, however many messages carry their events", async () => {
    const users = Array.from({ length: 6 }, () => uniqueUser("ingest"));
    const targets = Array.from({ length: 4 }, () => uniqueTarget());
    const { batch, result } = await deliver(EVENTS_QUEUE, messagesFor(targets, users, Date.now()));

    expect(result.explicitAcks.sort()).toEqual(batch.messages.map((m) => m.id).sort());
    // 4 messages x 6 users: one call per user (revision 1), not one per message (revision 4).
    expect(await Promise.all(users.map(revisionOf))).toEqual(users.map(() => 1));
    for (const userId of users) {
      const page = await userObject(userId).likesPage({ limit: 100, after: null });
      expect(page.total).toBe(targets.length);
    }
  });

  it("retries only the messages that carry an unreachable user's events, and the redelivery stores everything once", async () => {
    const [a, b, c, d] = Array.from({ length: 4 }, () => uniqueUser("ingest"));
    const [t1, t2, t3] = [uniqueTarget(), uniqueTarget(), uniqueTarget()];
    const at = Date.now();
    const withB1 = batchMessage(likeEvents(t1, [a!, b!], at));
    const withoutB = batchMessage(likeEvents(t2, [c!], at));
    const withB2 = batchMessage(likeEvents(t3, [b!, d!], at));
    const first = await deliver(EVENTS_QUEUE, [withB1, withoutB, withB2], { env: envWithUnreachableUser(b!) });
    const [m1, m2, m3] = first.batch.messages;
    expect(first.result.explicitAcks).toEqual([m2!.id]);
    expect(first.result.retryMessages.map((m) => m.msgId).sort()).toEqual([m1!.id, m3!.id].sort());
    expect(await lakeRowsOf(t1)).toEqual([]);
    expect(await lakeRowsOf(t2)).toHaveLength(1);

    // The queue redelivers the two retried messages once b's object answers again.
    const second = await deliver(EVENTS_QUEUE, [withB1, withB2], { attempts: 2 });
    expect(second.result.explicitAcks).toHaveLength(2);
    expect(second.result.retryMessages).toEqual([]);
    const rows = [...(await lakeRowsOf(t1)), ...(await lakeRowsOf(t2)), ...(await lakeRowsOf(t3))];
    const sent: EngagementEvent[] = [...withB1.events, ...withoutB.events, ...withB2.events];
    expect(rows.map((row) => row.event_id).sort()).toEqual(sent.map((event) => event.eventId).sort());
    // a and d were stored by the first delivery already; their redelivery changed nothing.
    expect(await Promise.all([a!, b!, c!, d!].map(revisionOf))).toEqual([1, 1, 1, 1]);
    expect((await userObject(b!).likesPage({ limit: 10, after: null })).total).toBe(2);
  });

  it("lets the runtime's other work run while it feeds many user objects", { timeout: 60_000 }, async () => {
    // Calls to objects of the same process never wait on the network: without a yield, the
    // consumer kept the thread from new requests until its last user (under wrangler dev,
    // /health went unanswered for minutes behind a few thousand likers). A timer set as the
    // batch starts must fire before the batch ends.
    // A first batch brings the consumer's path up (module, namespace, lake), whose one-time I/O
    // would let the timer through on its own when this test runs alone.
    await deliver(EVENTS_QUEUE, messagesFor([uniqueTarget()], [uniqueUser("warm-up")], Date.now()));
    const users = Array.from({ length: 120 }, () => uniqueUser("ingest"));
    let batchDone = false;
    let timerFiredFirst: boolean | null = null;
    setTimeout(() => {
      timerFiredFirst = !batchDone;
    }, 1);
    const { result } = await deliver(EVENTS_QUEUE, messagesFor([uniqueTarget()], users, Date.now()));
    batchDone = true;
    expect(result.explicitAcks).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(timerFiredFirst).toBe(true);
  });
});
