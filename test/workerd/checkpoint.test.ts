import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually, getJson, like, postJson, roomStub, runRoomAlarm, uniqueTarget, uniqueUser } from "./helpers";
import { readOutboxBacklog } from "../../durable-objects/outbox-backlog";

async function d1Count(target: string): Promise<{ likes: number; seq: number } | null> {
  return env.DB.prepare("SELECT likes, seq FROM target_counts WHERE target = ?").bind(target).first();
}

async function d1Likers(target: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT user_id FROM user_likes WHERE target = ? ORDER BY user_id")
    .bind(target)
    .all<{ user_id: string }>();
  return results.map((row) => row.user_id);
}

// The room's D1 checkpoint writer itself (target_counts, user_likes): these tests go with it
// when it is removed (issue 17); counts are checked on the rooms below and in reads.test.ts.
describe("checkpoint to D1", () => {
  it("copies counts and like rows to D1 when the alarm runs, and removes unliked rows", async () => {
    const target = uniqueTarget();
    const users = [uniqueUser("a"), uniqueUser("b"), uniqueUser("c")].sort();
    for (const user of users) await like(target, user);
    await runRoomAlarm(target);
    expect(await d1Count(target)).toEqual({ likes: 3, seq: 3 });
    expect(await d1Likers(target)).toEqual(users);

    await like(target, users[1]!, "unlike");
    await runRoomAlarm(target);
    expect(await d1Count(target)).toEqual({ likes: 2, seq: 4 });
    expect(await d1Likers(target)).toEqual([users[0], users[2]]);
  });

  it("reaches D1 by itself in under 2 seconds", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const likedAt = Date.now();
    await like(target, user);
    await eventually(async () => expect(await d1Count(target)).toEqual({ likes: 1, seq: 1 }), 2_000, 20);
    expect(Date.now() - likedAt).toBeLessThan(2_000);
    const batch = await postJson("/v1/counts/batch", { targets: [target] });
    expect(await batch.json()).toEqual({ counts: { [target]: 1 } });
  });

  it("chunks large checkpoints under the 100-parameter limit", { timeout: 90_000 }, async () => {
    const target = uniqueTarget();
    const ops = Array.from({ length: 450 }, (_, i) => ({ userId: `bulk-${i}`, action: "like" as const }));
    const outcomes = await roomStub(target).applyLikes({ target, ops });
    expect(outcomes.every((o) => o.ok && o.result.changed)).toBe(true);
    const unlikes = ops.slice(0, 150).map((op) => ({ userId: op.userId, action: "unlike" as const }));
    await roomStub(target).applyLikes({ target, ops: unlikes });
    await runRoomAlarm(target);
    expect(await d1Count(target)).toEqual({ likes: 300, seq: 600 });
    expect(await d1Likers(target)).toHaveLength(300);
    // 600 events leave the outbox 100 per send; let every send land before the test ends. The
    // consumer also feeds 450 users' own objects, each created here by its first event.
    await eventually(async () => {
      await runRoomAlarm(target);
      const shipped = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE target = ?").bind(target).first<{ n: number }>();
      expect(shipped?.n).toBe(600);
    }, 60_000, 100);
  });

  it("keeps changes pending while D1 is unreachable and lands them once it is back", async () => {
    const target = uniqueTarget();
    await like(target, uniqueUser());
    // Break the checkpoint by hiding the table it writes, as a D1 outage would.
    await env.DB.exec("ALTER TABLE target_counts RENAME TO target_counts_away");
    try {
      await runRoomAlarm(target);
      const pending = await runInDurableObject(roomStub(target), (_room, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM d1_pending").one().n,
      );
      expect(pending).toBe(1);
    } finally {
      await env.DB.exec("ALTER TABLE target_counts_away RENAME TO target_counts");
    }
    await eventually(async () => {
      await runRoomAlarm(target);
      expect(await d1Count(target)).toEqual({ likes: 1, seq: 1 });
    }, 5_000, 200);
  });
});

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

  it("ships outbox events through the queue into D1 once", async () => {
    const target = uniqueTarget();
    await like(target, uniqueUser());
    await like(target, uniqueUser());
    await runRoomAlarm(target);
    await eventually(async () => {
      const { results } = await env.DB.prepare("SELECT type, seq FROM events WHERE target = ? ORDER BY seq").bind(target).all();
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
