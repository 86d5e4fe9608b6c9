import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import { call, eventually, getJson, like, postJson, roomStub, runRoomAlarm, shardTarget, uniqueTarget, uniqueUser } from "./helpers";
import { emptyLegacyUserLikes, indexedWrites, waitForIndexedLikes } from "./user-index-helpers";
import { waitFor } from "./wait";

/** A room's own tables: none until its first write (durable-objects/unwritten-room.ts). */
function storedTables(target: string): Promise<number> {
  return runInDurableObject(roomStub(target), async (_room, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master").one().n);
}

describe("counts and stats", () => {
  it("serves the count from the edge cache with a max-age of at most 2 s", async () => {
    const target = uniqueTarget();
    await like(target, uniqueUser());
    const miss = await getJson(`/v1/targets/${target}/count`);
    expect(miss.body).toMatchObject({ target, count: 1 });
    expect(new Date(miss.body.asOf as string).getTime()).toBeGreaterThan(Date.now() - 5_000);
    const maxAge = Number(/max-age=(\d+)/.exec(miss.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(2);
    const hit = await getJson(`/v1/targets/${target}/count`);
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(hit.body).toEqual(miss.body);
  });

  it("shows a like in the count at most 2 s later", async () => {
    const target = uniqueTarget();
    await getJson(`/v1/targets/${target}/count`);
    await like(target, uniqueUser());
    const deadline = Date.now() + 2_000;
    let count = 0;
    while (count !== 1 && Date.now() < deadline) {
      count = (await getJson(`/v1/targets/${target}/count`)).body.count as number;
    }
    expect(count).toBe(1);
  });

  it("reports likes in stats with empty reactions, comments and viewers for now", async () => {
    const target = uniqueTarget("stream");
    await like(target, uniqueUser());
    await like(target, uniqueUser());
    const { body } = await getJson(`/v1/targets/${target}/stats`);
    expect(body).toMatchObject({ target, likes: 2, reactions: {}, comments: 0, viewers: 0 });
  });

  it("answers batch counts from the rooms with zero for unknown targets and duplicates folded", async () => {
    const [a, b, unknown] = [uniqueTarget(), uniqueTarget("game"), uniqueTarget("comment")];
    await like(a, uniqueUser());
    await like(a, uniqueUser());
    await like(b, uniqueUser());
    await runRoomAlarm(a);
    await runRoomAlarm(b);
    // The checkpointed D1 counts are not what batches read: without them the answer is the same.
    await env.DB.exec("DELETE FROM target_counts");
    const res = await postJson("/v1/counts/batch", { targets: [a, b, unknown, a] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ counts: { [a]: 2, [b]: 1, [unknown]: 0 } });
  });

  it("accepts exactly 100 batch targets", async () => {
    const targets = Array.from({ length: 100 }, () => uniqueTarget());
    const res = await postJson("/v1/counts/batch", { targets });
    expect(res.status).toBe(200);
    const { counts } = (await res.json()) as { counts: Record<string, number> };
    expect(Object.keys(counts)).toHaveLength(100);
    // A hundred never-written targets were read, and none of their rooms was stored for it.
    for (const target of targets) expect(await storedTables(target), target).toBe(0);
  });

  it("counts every target exactly, written or not, without a checkpoint and with D1's counts gone", async () => {
    const written = Array.from({ length: 30 }, () => uniqueTarget());
    await Promise.all(written.map((target, i) => roomStub(target).applyLikes({ target, ops: Array.from({ length: i + 1 }, (_, u) => ({ userId: `u-${u}`, action: "like" as const })), unlimited: true })));
    for (const target of written) await runRoomAlarm(target);
    await env.DB.exec("DELETE FROM target_counts");
    const fresh = Array.from({ length: 70 }, () => uniqueTarget());
    const res = await postJson("/v1/counts/batch", { targets: [...written, ...fresh] });
    expect(res.status).toBe(200);
    const { counts } = (await res.json()) as { counts: Record<string, number> };
    expect(written.map((target) => counts[target])).toEqual(written.map((_, i) => i + 1));
    expect(fresh.every((target) => counts[target] === 0)).toBe(true);
  });

  it("shares each target's cache entry with its count GET, and shows a like within the TTL", async () => {
    const target = uniqueTarget();
    expect(await (await postJson("/v1/counts/batch", { targets: [target] })).json()).toEqual({ counts: { [target]: 0 } });
    // The batch filled the very key the single-target GET reads.
    const cached = await getJson(`/v1/targets/${target}/count`);
    expect([cached.headers.get("x-cache"), cached.body.count]).toEqual(["HIT", 0]);
    await like(target, uniqueUser());
    const deadline = Date.now() + 2_000;
    let count = 0;
    while (count !== 1 && Date.now() < deadline) {
      count = ((await (await postJson("/v1/counts/batch", { targets: [target] })).json()) as { counts: Record<string, number> }).counts[target]!;
    }
    expect(count).toBe(1);
  });

  it("counts a sharded target as its room's sum over the shards", async () => {
    const target = uniqueTarget();
    await shardTarget(target, 4);
    const users = Array.from({ length: 12 }, () => uniqueUser());
    for (const user of users) expect((await like(target, user)).status).toBe(200);
    await env.DB.exec("DELETE FROM target_counts");
    await eventually(async () => {
      const { counts } = (await (await postJson("/v1/counts/batch", { targets: [target] })).json()) as { counts: Record<string, number> };
      expect(counts[target]).toBe(12);
    });
  });
});

describe("a user's likes", () => {
  it("reports a user's status on a target straight from the room", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    expect((await getJson(`/v1/users/${user}/likes/${target}`)).body).toEqual({ liked: false, likedAt: null });
    await like(target, user);
    const liked = (await getJson(`/v1/users/${user}/likes/${target}`)).body;
    expect(liked.liked).toBe(true);
    expect(new Date(liked.likedAt as string).getTime()).toBeGreaterThan(Date.now() - 5_000);
  });

  it("pages through 250 likes newest first without gaps or duplicates", { timeout: 60_000 }, async () => {
    const user = uniqueUser("pager");
    const targets = Array.from({ length: 250 }, () => uniqueTarget());
    for (let i = 0; i < targets.length; i += 25) {
      await Promise.all(
        targets.slice(i, i + 25).map((target) => roomStub(target).applyLikes({ target, ops: [{ userId: user, action: "like" }], unlimited: true })),
      );
    }
    for (let i = 0; i < targets.length; i += 25) await Promise.all(targets.slice(i, i + 25).map((t) => runRoomAlarm(t)));
    // The list is the user's own index, fed through the queue; D1's copy is not read.
    await emptyLegacyUserLikes(user);
    await waitForIndexedLikes(user, 250, 20_000);

    const seen: { target: string; likedAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "?limit=100" : `?limit=100&cursor=${encodeURIComponent(cursor)}`;
      const page = (await getJson(`/v1/users/${user}/likes${query}`)).body as {
        items: { target: string; likedAt: string }[];
        nextCursor: string | null;
        total: number;
      };
      expect(page.total).toBe(250);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);

    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen.map((item) => item.target))).toEqual(new Set(targets));
    const times = seen.map((item) => new Date(item.likedAt).getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it("drops an unliked target from the list once the queue delivered the unlike", async () => {
    const user = uniqueUser();
    const [keep, drop] = [uniqueTarget(), uniqueTarget()];
    await like(keep, user);
    await like(drop, user);
    await like(drop, user, "unlike");
    await runRoomAlarm(keep);
    await runRoomAlarm(drop);
    await emptyLegacyUserLikes(user);
    // Both rooms' events reached the index: the unliked target is there as a tombstone.
    await waitFor(() => indexedWrites(user), (targets) => targets.length === 2, 15_000, "both rooms' events in the index");
    const { body } = await getJson(`/v1/users/${user}/likes`);
    expect(body).toMatchObject({ total: 1, nextCursor: null, items: [{ target: keep }] });
  });
});

describe("service routes", () => {
  it("answers /health without I/O", async () => {
    expect(await (await call("/health")).json()).toEqual({ ok: true });
  });

  it("publishes an OpenAPI 3.1 document with every likes route", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/health",
        "/v1/counts/batch",
        "/v1/likes",
        "/v1/likes/toggle",
        "/v1/targets/{target}/count",
        "/v1/targets/{target}/stats",
        "/v1/users/{userId}/likes",
        "/v1/users/{userId}/likes/{target}",
      ]),
    );
  });

  it("uses the D1 binding the migrations created", async () => {
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'user_likes'").all();
    expect(tables.results).toHaveLength(1);
  });
});
