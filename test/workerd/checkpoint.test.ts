import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually, getJson, like, postJson, roomStub, runRoomAlarm, uniqueTarget, uniqueUser } from "./helpers";
import { readOutboxBacklog } from "../../durable-objects/outbox-backlog";
import { lakeRowsOf } from "./lake-helpers";

// The room's D1 checkpoint (target_counts, user_likes) is gone (issue 17), and its tests with it;
// test/workerd/no-d1-writes.test.ts proves nothing on a write path reaches D1 any more.

describe("the room's storage is the truth", () => {
  it("counts likes and unlikes exactly in the room, with D1's target_counts gone", async () => {
    const target = uniqueTarget();
    const users = [uniqueUser("a"), uniqueUser("b"), uniqueUser("c")];
    for (const user of users) await like(target, user);
    await like(target, users[1]!, "unlike");
    await runRoomAlarm(target);
    await env.DB.exec("DELETE FROM target_counts");
    const snapshot = await roomStub(target).snapshot(target);
    expect({ likes: snapshot.likes, seq: snapshot.seq }).toEqual({ likes: 2, seq: 4 });
    expect(await (await postJson("/v1/counts/batch", { targets: [target] })).json()).toEqual({ counts: { [target]: 2 } });
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(2);
  });

  it("keeps the count and seq after the object is evicted and wakes up again", async () => {
    const target = uniqueTarget();
    for (const user of [uniqueUser(), uniqueUser(), uniqueUser()]) await like(target, user);
    await evictDurableObject(roomStub(target));
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(3);
    const next = await like(target, uniqueUser());
    expect(next.body).toMatchObject({ count: 4, seq: 4 });
  });

  it("writes one outbox event per change and none for no-ops", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    await like(target, user);
    await like(target, user);
    await like(target, user, "unlike");
    await like(target, user);
    const events = await runInDurableObject(roomStub(target), (_room, state) =>
            // One row per write, each a JSON array of events.
      state.storage.sql
        .exec<{ body: string }>("SELECT event.value AS body FROM outbox, json_each(outbox.body) AS event ORDER BY outbox.seq, event.key")
        .toArray(),
    );
    const parsed = events.map((row) => JSON.parse(row.body) as { type: string; seq: number; userId: string; target: string });
    expect(parsed.map((e) => [e.type, e.seq])).toEqual([
      ["like", 1],
      ["unlike", 2],
      ["like", 3],
    ]);
    expect(parsed.every((e) => e.userId === user && e.target === target)).toBe(true);
  });

  it("ships outbox events through the queue into the event lake once", async () => {
    const target = uniqueTarget();
    await like(target, uniqueUser());
    await like(target, uniqueUser());
    await runRoomAlarm(target);
    await eventually(async () => {
      const results = (await lakeRowsOf(target)).map((row) => ({ type: row.type, seq: row.seq }));
      expect(results).toEqual([
        { type: "like", seq: 1 },
        { type: "like", seq: 2 },
      ]);
    });
    const left = await runInDurableObject(roomStub(target), (_room, state) =>
      readOutboxBacklog(state.storage.sql).events,
    );
    expect(left).toBe(0);
  });
});
