import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../protocol/events";
import { EVENTS_QUEUE } from "../../workers/queues";
import { like, postJson, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { batchMessage, deliver, likeEvents } from "./pipeline-helpers";
import { lakeObjectsOf, lakeRowsOf } from "./lake-helpers";
import { applyLikesRouted } from "../../platform/like-router";
import { waitFor } from "./wait";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("event lake", () => {
  it("stores out-of-order and duplicate deliveries once each and leaves the lake unchanged on redelivery", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 6 }, () => uniqueUser());
    const events = likeEvents(target, users, Date.now());
    const [a, b, c] = [batchMessage(events.slice(0, 2)), batchMessage(events.slice(2, 4)), batchMessage(events.slice(4))];
    // The last row first, then the first twice in one batch, then everything again.
    await deliver(EVENTS_QUEUE, [c]);
    await deliver(EVENTS_QUEUE, [a, a]);
    const before = await lakeObjectsOf(target);
    const again = await deliver(EVENTS_QUEUE, [b, c, a]);
    expect(again.result.explicitAcks).toHaveLength(3);
    const after = await lakeObjectsOf(target);

    // The redelivered objects kept their first version: nothing was written over them.
    expect(after.filter((object) => before.some((old) => old.key === object.key))).toEqual(before);
    expect(after).toHaveLength(3);
    const rows = await lakeRowsOf(target);
    expect(rows.map((row) => row.event_id)).toEqual(events.map((event) => event.eventId));
    expect(new Set(rows.map((row) => row.user)).size).toBe(6);
  });

  it("keys a shard's batch by its epoch and shard, apart from the room's same seqs", async () => {
    const target = uniqueTarget();
    const at = Date.now();
    const room = likeEvents(target, [uniqueUser()], at);
    const shard: EngagementEvent[] = likeEvents(target, [uniqueUser()], at).map((event) => ({ ...event, epoch: 1 }));
    await deliver(EVENTS_QUEUE, [batchMessage(room), batchMessage(shard, { epoch: 1, shard: 3 })]);
    const keys = (await lakeObjectsOf(target)).map((object) => object.key.split("/").pop());
    expect(keys.sort()).toEqual(["0-0-1-1.ndjson.gz", "1-3-1-1.ndjson.gz"]);
    expect((await lakeRowsOf(target)).map((row) => row.epoch)).toEqual([0, 1]);
  });
});

describe("like shards", () => {
  it("stamp their epoch on their events, which reach the lake under their own epoch and shard", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const set = await roomStub(target).setShards({ target, n: 2 });
    expect(set.ok).toBe(true);
    const users = Array.from({ length: 6 }, () => uniqueUser());
    const outcomes = await applyLikesRouted(env, target, users.map((userId) => ({ userId, action: "like" as const })));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const rows = await waitFor(async () => (await lakeRowsOf(target)).filter((row) => row.type === "like"), (found) => found.length === 6, 20_000, "shard likes in the lake");
    expect(rows.every((row) => row.epoch === 1)).toBe(true);
    const keys = (await lakeObjectsOf(target)).map((object) => object.key.split("/").pop()!);
    expect(keys.filter((key) => /^1-[01]-\d+-\d+\.ndjson\.gz$/.test(key)).length).toBeGreaterThanOrEqual(1);
  });
});

describe("events of a deleted user", () => {
  it("go to the lake without a user and back to their room, which forgets only what predates the deletion", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const user = uniqueUser("returning");
    const token = await tokenFor(user);
    const react = (emoji: string) => postJson("/v1/reactions", { target, emoji, action: "add" }, { token });
    await like(target, user);
    expect((await react("like")).status).toBe(200);
    await pause(5);
    const beforeDeletion = Date.now();
    await pause(5);
    // The deletion reached the user's object but missed this room (its sweep had not listed it).
    await env.USER_STATE.get(env.USER_STATE.idFromName(user)).forget();
    await pause(5);
    expect((await react("love")).status).toBe(200);

    // Late copies of what the user did before: their object does not keep them.
    const late: EngagementEvent[] = [
      { eventId: crypto.randomUUID(), type: "like", target, userId: user, at: beforeDeletion, seq: 1 },
      { eventId: crypto.randomUUID(), type: "reaction_add", target, userId: user, at: beforeDeletion, seq: 2, emoji: "like", subject: null },
    ];
    const { result } = await deliver(EVENTS_QUEUE, [batchMessage(late)]);
    expect(result.explicitAcks).toHaveLength(1);

    const rows = (await lakeRowsOf(target)).filter((row) => late.some((event) => event.eventId === row.event_id));
    expect(rows.map((row) => row.user)).toEqual([null, null]);
    const snapshot = await roomStub(target).snapshot(target);
    // Forgotten: the like and the reaction from before; kept: the reaction made after coming back.
    expect(snapshot.likes).toBe(0);
    expect(snapshot.reactions).toEqual({ love: 1 });
  });
});
