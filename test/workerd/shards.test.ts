import { env, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { call, getJson, like, postJson, roomStub, runRoomAlarm, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { applyLikesRouted, shardStub } from "../../platform/like-router";
import { ShardConfigResponse, shardIndex, type ShardConfig } from "../../protocol/shards";
import { ErrorBody } from "../../protocol/errors";
import { HotTargetDetector } from "../../durable-objects/shards/hot-target";
import { LiveSocket } from "./live-socket";
import { waitFor } from "./wait";
import { indexedLikes, waitForIndexedLikes } from "./user-index-helpers";

async function adminToken(): Promise<string> {
  return tokenFor(uniqueUser("admin"), { roles: ["admin"] });
}

async function putShards(target: string, body: unknown, token?: string): Promise<Response> {
  return call(`/v1/admin/targets/${target}/shards`, {
    method: "PUT",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function setShards(target: string, n: number): Promise<ShardConfig> {
  const res = await putShards(target, { n }, await adminToken());
  expect(res.status).toBe(200);
  const body = ShardConfigResponse.parse(await res.json());
  expect(body).toMatchObject({ target, n });
  return { epoch: body.epoch, n: body.n, layout: body.layout };
}

async function likeCount(target: string): Promise<number> {
  return (await roomStub(target).snapshot(target)).likes;
}

async function statusOf(target: string, userId: string): Promise<boolean> {
  const { status, body } = await getJson(`/v1/users/${userId}/likes/${target}`);
  expect(status).toBe(200);
  return body.liked === true;
}

/** Runs `work` over `items` with at most `limit` in flight: hundreds at once would only queue in workerd. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

type Action = "like" | "unlike";

/** Each user's actions in order (a user's own requests are sequential; users run concurrently). */
async function playUsers(target: string, plan: Map<string, Action[]>, expected: Map<string, boolean>): Promise<void> {
  const results = await inParallel([...plan], 40, async ([user, actions]) => {
    for (const action of actions) {
      const result = await like(target, user, action);
      expect(result.status).toBe(200);
      const before = expected.get(user) ?? false;
      const after = action === "like";
      expect(result.body.liked).toBe(after);
      // Dedupe: a change is reported exactly when the state flips.
      expect(result.body.changed).toBe(before !== after);
      expected.set(user, after);
    }
    return actions.length;
  });
  expect(results.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
}

function likers(expected: Map<string, boolean>): number {
  return [...expected.values()].filter(Boolean).length;
}

/** Runs every shard's and the room's background jobs (outbox, count reports) now. */
async function drainShards(target: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const id of await listDurableObjectIds(env.LIKE_SHARD)) await runDurableObjectAlarm(env.LIKE_SHARD.get(id));
    await runRoomAlarm(target);
  }
}

afterAll(async () => {
  for (const id of await listDurableObjectIds(env.LIKE_SHARD)) await runDurableObjectAlarm(env.LIKE_SHARD.get(id));
}, 60_000);

/** `perShard` new user ids for each of the `n` shards, so every shard gets a batch of its own. */
function newLikersPerShard(n: number, perShard: number): string[] {
  const users: string[] = [];
  for (let k = 0; k < n; k++) {
    let found = 0;
    while (found < perShard) {
      const user = uniqueUser("new");
      if (shardIndex(user, n) !== k) continue;
      users.push(user);
      found++;
    }
  }
  return users;
}

/**
 * The handoff questions this target's room is asked while `work` runs; its own methods still
 * answer. RPC only reaches methods of the class, so the count wraps them there, for `work` only.
 */
async function roomQuestionsDuring(target: string, work: () => Promise<void>): Promise<string[]> {
  const asked: string[] = [];
  const prototype = await runInDurableObject(roomStub(target), (room) => Object.getPrototypeOf(room) as Record<string, unknown>);
  const methods = ["handOverLike", "handOverLikes", "holdsNoLikes"] as const;
  const originals = methods.map((method) => prototype[method] as (this: unknown, input: unknown) => unknown);
  methods.forEach((method, i) => {
    prototype[method] = function (this: unknown, input: unknown) {
      if (JSON.stringify(input).includes(target)) asked.push(method);
      return originals[i]!.call(this, input);
    };
  });
  try {
    await work();
  } finally {
    methods.forEach((method, i) => (prototype[method] = originals[i]));
  }
  return asked;
}

describe("sharded hot targets", () => {
  it("counts each distinct liker once under concurrent repeated likes and unlikes", async () => {
    const target = uniqueTarget();
    await setShards(target, 4);
    const users = Array.from({ length: 240 }, (_, i) => uniqueUser(`u${i}`));
    // Everyone likes twice at once (duplicates race each other), then a third unlike and re-like.
    const duplicates = await inParallel(
      users.flatMap((user) => [user, user]),
      60,
      (user) => like(target, user),
    );
    expect(duplicates.every((r) => r.status === 200 && r.body.liked === true)).toBe(true);
    expect(duplicates.filter((r) => r.body.changed === true)).toHaveLength(users.length);
    expect(await likeCount(target)).toBe(users.length);

    const expected = new Map(users.map((user) => [user, true]));
    const plan = new Map<string, Action[]>(
      users.map((user, i): [string, Action[]] => [user, i % 3 === 0 ? ["unlike"] : i % 3 === 1 ? ["unlike", "like", "like"] : ["like"]]),
    );
    await playUsers(target, plan, expected);
    expect(await likeCount(target)).toBe(likers(expected));
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(likers(expected));

    // The users really are spread: every one of the 4 shards holds some of them.
    const perShard = new Set(users.map((user) => shardIndex(user, 4)));
    expect(perShard.size).toBe(4);
  }, 30_000);

  it("answers each like with the target's total across shards, and per-user status from the user's shard", async () => {
    const target = uniqueTarget();
    const config = await setShards(target, 4);
    const users = Array.from({ length: 12 }, () => uniqueUser());
    for (const [i, user] of users.entries()) {
      const result = await like(target, user);
      expect(result.body).toMatchObject({ target, liked: true, changed: true, count: i + 1 });
    }
    const [first, second] = [users[0]!, users[1]!];
    const stranger = uniqueUser("never");
    expect(await statusOf(target, first)).toBe(true);
    expect(await statusOf(target, stranger)).toBe(false);
    const { body } = await getJson(`/v1/users/${first}/likes/${target}`);
    expect(typeof body.likedAt).toBe("string");

    expect((await like(target, second, "unlike")).body).toMatchObject({ liked: false, changed: true, count: users.length - 1 });
    expect(await statusOf(target, second)).toBe(false);
    // The status came from the shard: the room itself holds none of these likes.
    const shard = shardStub(env, target, config.epoch, shardIndex(first, config.n));
    expect(await shard.likeStatus({ address: { target, epoch: config.epoch, k: shardIndex(first, config.n), layout: config.layout }, userId: first })).toMatchObject({ liked: true });
    // 5-9 s on a quiet machine, over 30 s when other runs share its two cores.
  }, 90_000);

  it("keeps the count exact and every user deduped while N changes 4 -> 8 -> 2 under load", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 150 }, (_, i) => uniqueUser(`m${i}`));
    const expected = new Map<string, boolean>();
    // Epoch 0: a third of the users like the target while it is still one room.
    await playUsers(target, new Map(users.slice(0, 50).map((user) => [user, ["like"]])), expected);
    expect(await likeCount(target)).toBe(50);

    const wave = (from: number, to: number, actions: Action[]) => new Map(users.slice(from, to).map((user) => [user, actions]));
    const [, e1] = await Promise.all([playUsers(target, wave(50, 100, ["like", "like"]), expected), setShards(target, 4)]);
    expect(e1.epoch).toBe(1);
    // Users of epoch 0 and 1 act again while N changes to 8: duplicates must not count twice.
    const [, e2] = await Promise.all([playUsers(target, wave(0, 100, ["like", "unlike", "like"]), expected), setShards(target, 8)]);
    expect(e2.epoch).toBe(2);
    expect(await likeCount(target)).toBe(likers(expected));

    const [, e3] = await Promise.all([
      playUsers(target, new Map(users.map((user, i): [string, Action[]] => [user, i % 2 === 0 ? ["unlike"] : ["like", "like"]])), expected),
      setShards(target, 2),
    ]);
    expect(e3).toEqual({ epoch: 3, n: 2, layout: [0, 4, 8, 2] });
    expect(await likeCount(target)).toBe(likers(expected));

    // A like made in one epoch is found, not repeated, in the next; the unlike after the move counts.
    const sleeper = uniqueUser("sleeper");
    await setShards(target, 3);
    expect((await like(target, sleeper)).body).toMatchObject({ changed: true });
    expected.set(sleeper, true);
    await setShards(target, 5);
    expect((await like(target, sleeper)).body).toMatchObject({ liked: true, changed: false });
    expect((await like(target, sleeper, "unlike")).body).toMatchObject({ liked: false, changed: true });
    expected.set(sleeper, false);

    expect(await likeCount(target), "count after the sleeper").toBe(likers(expected));
    const statuses = await inParallel([...expected.keys()], 40, (user) => statusOf(target, user));
    expect(statuses.filter(Boolean).length, "statuses").toBe(likers(expected));
    expect(statuses).toEqual([...expected.values()]);
    // Reading a status moves a sleeping user into the current epoch; the count must not move.
    expect(await likeCount(target), "count after the status reads").toBe(likers(expected));

    // Users' own indexes converge on the same likers: every shard's events, handoffs across
    // epochs included, reach each user's object through the queue, ordered by (epoch, seq).
    await drainShards(target);
    await waitFor(
      () => inParallel([...expected.keys()], 40, (user) => indexedLikes(user)),
      (totals) => totals.every((total, i) => total === ([...expected.values()][i] ? 1 : 0)),
      30_000,
      "every user's index to agree with the shards",
    );
    // Counts come from the room (the sum over its shards), not from D1's target_counts.
    await env.DB.exec("DELETE FROM target_counts");
    const counted = (await (await postJson("/v1/counts/batch", { targets: [target] })).json()) as { counts: Record<string, number> };
    expect(counted.counts[target], "batch count").toBe(likers(expected));
  }, 90_000);

  it("replays an Idempotency-Key answer after the user moved to a newer epoch", async () => {
    const target = uniqueTarget();
    await setShards(target, 4);
    const token = await tokenFor(uniqueUser());
    const headers = { "idempotency-key": "toggle-once" };
    const first = await postJson("/v1/likes/toggle", { target }, { token, headers });
    expect(await first.json()).toMatchObject({ liked: true, changed: true });
    await setShards(target, 8);
    const retried = await postJson("/v1/likes/toggle", { target }, { token, headers });
    expect(await retried.json()).toMatchObject({ liked: true, changed: true });
    expect(await likeCount(target)).toBe(1);
  });

  it("makes a Worker with an old config retry in the current epoch when a closed shard answers moved", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const old = await setShards(target, 4);
    expect((await like(target, user)).body).toMatchObject({ liked: true, count: 1 });
    await setShards(target, 8);

    const k = shardIndex(user, old.n);
    const address = { target, epoch: old.epoch, k, layout: old.layout };
    expect(await shardStub(env, target, old.epoch, k).applyLikes({ address, ops: [{ userId: user, action: "unlike" }] })).toEqual({ moved: true });

    // Routed with the stale config (as an isolate's 2 s cache would): it still lands exactly once.
    const [outcome] = await applyLikesRouted(env, target, [{ userId: user, action: "unlike" }], undefined, old);
    expect(outcome).toMatchObject({ ok: true, result: { liked: false, changed: true, count: 0 } });
    const [again] = await applyLikesRouted(env, target, [{ userId: user, action: "unlike" }], undefined, old);
    expect(again).toMatchObject({ ok: true, result: { liked: false, changed: false, count: 0 } });
    expect(await statusOf(target, user)).toBe(false);
    expect(await likeCount(target)).toBe(0);
  });

  it("keeps no handoff marker in the room for likers it never held, whether it held likes before sharding or none", async () => {
    const movedInRoom = (target: string) =>
      runInDurableObject(roomStub(target), (_room, state) => state.storage.sql.exec<{ user_id: string }>("SELECT user_id FROM like_moved").toArray().map((row) => row.user_id));
    // Sharded before its first like: the room answers every handoff without writing.
    const fresh = uniqueTarget();
    await setShards(fresh, 4);
    const likers = Array.from({ length: 40 }, () => uniqueUser("new"));
    const outcomes = await applyLikesRouted(env, fresh, likers.map((userId) => ({ userId, action: "like" as const })));
    expect(outcomes.every((outcome) => outcome.ok && outcome.result.changed)).toBe(true);
    await waitFor(() => likeCount(fresh), (count) => count === likers.length, 10_000, "the shards' reports");
    expect(await movedInRoom(fresh)).toEqual([]);
    for (const userId of likers.slice(0, 3)) expect(await statusOf(fresh, userId)).toBe(true);

    // Liked in the room first: only those users leave a marker behind when their shard takes them.
    const older = uniqueTarget();
    const early = uniqueUser("early");
    await like(older, early);
    await setShards(older, 4);
    const late = Array.from({ length: 12 }, () => uniqueUser("late"));
    await applyLikesRouted(env, older, [early, ...late].map((userId) => ({ userId, action: "like" as const })));
    expect(await movedInRoom(older)).toEqual([early]);
    await waitFor(() => likeCount(older), (count) => count === late.length + 1, 10_000, "the shards' reports");
    expect(await statusOf(older, early)).toBe(true);
  });

  it("refuses a first call addressed to another shard instead of binding to it", async () => {
    const target = uniqueTarget();
    const config = await setShards(target, 4);
    const user = uniqueUser();
    const k = shardIndex(user, config.n);
    const other = (k + 1) % config.n;
    // Shard `other` was never called: its name, not its first caller, says which shard it is.
    await runInDurableObject(shardStub(env, target, config.epoch, other), (shard) =>
      expect(shard.applyLikes({ address: { target, epoch: config.epoch, k, layout: config.layout }, ops: [{ userId: user, action: "like" }] })).rejects.toThrow(
        `shard ${target}#${config.epoch}#${other} was called as ${target}#${config.epoch}#${k}`,
      ),
    );
    const [outcome] = await applyLikesRouted(env, target, [{ userId: user, action: "like" }]);
    expect(outcome).toMatchObject({ ok: true, result: { liked: true, changed: true } });
    const [again] = await applyLikesRouted(env, target, [{ userId: uniqueUser(), action: "like" }]);
    expect(again).toMatchObject({ ok: true });
  });

  it("hands a user over idempotently when the new shard asks again after a crash", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    await like(target, user);
    const first = await setShards(target, 4);
    // The room (epoch 0's holder) answers the same state however often it is asked.
    const fromRoom = await roomStub(target).handOverLike({ target, userId: user });
    expect(await roomStub(target).handOverLike({ target, userId: user })).toEqual(fromRoom);
    expect(fromRoom).toMatchObject({ liked: true });
    expect(typeof fromRoom.likedAt).toBe("number");

    await setShards(target, 8);
    const k = shardIndex(user, first.n);
    const address = { target, epoch: first.epoch, k, layout: first.layout };
    // Epoch 1's shard never saw the user: it passes them through from the room, once and again.
    const passed = await shardStub(env, target, first.epoch, k).handOver({ address, userId: user });
    expect(await shardStub(env, target, first.epoch, k).handOver({ address, userId: user })).toEqual(passed);
    expect(passed).toMatchObject({ liked: true, likedAt: fromRoom.likedAt });

    // The user's shard in epoch 2 takes them over now: still one like, with its first time.
    expect((await like(target, user)).body).toMatchObject({ liked: true, changed: false, count: 1 });
    const { body } = await getJson(`/v1/users/${user}/likes/${target}`);
    expect(body.likedAt).toBe(new Date(fromRoom.likedAt ?? 0).toISOString());
    expect(await likeCount(target)).toBe(1);
  });

  it("takes a batch's first-time likers over from the room in one ask, not one per user", async () => {
    const target = uniqueTarget();
    const n = 4;
    // Likers the room holds, all of shard 0: each handoff releases a like, so the room counts it as a commit.
    const users: string[] = [];
    while (users.length < 8) {
      const user = uniqueUser("handed");
      if (shardIndex(user, n) === 0) users.push(user);
    }
    for (const user of users) expect((await like(target, user)).status).toBe(200);
    const config = await setShards(target, n);
    const room = roomStub(target);
    const commitsBefore = (await room.metrics(target)).writes.commits;

    const answer = await shardStub(env, target, config.epoch, 0).applyLikes({
      address: { target, epoch: config.epoch, k: 0, layout: config.layout },
      ops: users.map((userId) => ({ userId, action: "like" as const })),
    });
    expect(answer.moved).toBe(false);
    // One handoff for all 8 users plus the shard's count report; one ask per user would be 8 + 1.
    const roomCommits = (await room.metrics(target)).writes.commits - commitsBefore;
    expect(roomCommits).toBeGreaterThanOrEqual(1);
    expect(roomCommits).toBeLessThanOrEqual(2);
    // Each like was already counted in the room: taken over, not counted twice.
    expect(await likeCount(target)).toBe(users.length);
  });

  it("answers moved for a whole batch when a user in it was handed on while the batch waited for the room", async () => {
    const target = uniqueTarget();
    const config = await setShards(target, 4);
    const userOfShard0 = (prefix: string) => {
      for (;;) {
        const user = uniqueUser(prefix);
        if (shardIndex(user, config.n) === 0) return user;
      }
    };
    const held = userOfShard0("held");
    const fresh = userOfShard0("fresh");
    expect((await like(target, held)).status).toBe(200);
    expect(await likeCount(target)).toBe(1);
    const shard = shardStub(env, target, config.epoch, 0);
    const address = { target, epoch: config.epoch, k: 0, layout: config.layout };

    // The batch asks the room about `fresh`; the handoff of `held` lands during that wait, so
    // only the check inside the batch's transaction can see it (the one before found it held).
    const [answer, handed] = await Promise.all([
      shard.applyLikes({ address, ops: [{ userId: fresh, action: "like" }, { userId: held, action: "unlike" }] }),
      shard.handOver({ address, userId: held }),
    ]);
    expect(handed).toMatchObject({ liked: true });
    expect(answer.moved).toBe(true);
    // Nothing of the batch was applied: `fresh` was not counted and `held` (gone) not unliked here.
    await runInDurableObject(shard, (_instance, state) => {
      const likers = state.storage.sql.exec<{ user_id: string }>("SELECT user_id FROM likes").toArray().map((row) => row.user_id);
      expect(likers).toEqual([]);
    });
  });

  it("asks a room that never held a like about it once per shard, not for every batch of new likers", async () => {
    const target = uniqueTarget();
    const config = await setShards(target, 2);
    const likers: string[] = [];
    const asked = await roomQuestionsDuring(target, async () => {
      for (let batch = 0; batch < 3; batch++) {
        const ops = newLikersPerShard(config.n, 5).map((userId) => ({ userId, action: "like" as const }));
        likers.push(...ops.map((op) => op.userId));
        const outcomes = await applyLikesRouted(env, target, ops, undefined, config);
        expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      }
    });
    expect(await likeCount(target)).toBe(30);
    expect(asked.filter((method) => method !== "holdsNoLikes")).toEqual([]);
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.length).toBeLessThanOrEqual(config.n);

    // A later epoch takes them over from epoch 1's shards, which hold every one of them: their
    // likes again change nothing (a shard that forgot to hold them would pass "never liked" on).
    const next = await setShards(target, 3);
    expect(next.epoch).toBe(config.epoch + 1);
    const again = await applyLikesRouted(env, target, likers.slice(0, 5).map((userId) => ({ userId, action: "like" as const })), undefined, next);
    for (const outcome of again) expect(outcome).toMatchObject({ ok: true, result: { changed: false } });
    expect(await likeCount(target)).toBe(30);
  });

  it("asks a room that held likes before sharding whether it holds any once per shard, then one handoff per batch", async () => {
    const target = uniqueTarget();
    expect((await like(target, uniqueUser("before"))).status).toBe(200);
    const config = await setShards(target, 2);
    const asked = await roomQuestionsDuring(target, async () => {
      for (let batch = 0; batch < 3; batch++) {
        const ops = newLikersPerShard(config.n, 5).map((userId) => ({ userId, action: "like" as const }));
        const outcomes = await applyLikesRouted(env, target, ops, undefined, config);
        expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      }
    });
    expect(await likeCount(target)).toBe(31);
    // Each shard's three batches: one handoff ask each, and the room's "holds something" once.
    expect(asked.filter((method) => method === "handOverLikes")).toHaveLength(3 * config.n);
    expect(asked.filter((method) => method === "holdsNoLikes").length).toBeLessThanOrEqual(config.n);
  });

  it("keeps the newest report of each shard when reports arrive out of order", async () => {
    const target = uniqueTarget();
    await setShards(target, 2);
    const room = roomStub(target);
    expect(await room.reportShardCount({ target, epoch: 1, k: 0, count: 5, seq: 10 })).toMatchObject({ count: 5 });
    expect(await room.reportShardCount({ target, epoch: 1, k: 0, count: 3, seq: 9 })).toMatchObject({ count: 5 });
    expect(await room.reportShardCount({ target, epoch: 1, k: 1, count: 2, seq: 1 })).toMatchObject({ count: 7 });
    expect(await likeCount(target)).toBe(7);
    // A shard this target never had is not counted.
    expect(await room.reportShardCount({ target, epoch: 1, k: 2, count: 1, seq: 1 })).toMatchObject({ count: 7 });
    expect(await room.reportShardCount({ target, epoch: 2, k: 0, count: 1, seq: 1 })).toMatchObject({ count: 7 });
    expect(await likeCount(target)).toBe(7);
  });

  it("sends a sharded target's likes from an unsharded-looking route to the shards", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    await setShards(target, 2);
    // The room refuses to take the like itself and names the config.
    const [refused] = await roomStub(target).applyLikes({ target, ops: [{ userId: user, action: "like" }] });
    expect(refused).toMatchObject({ ok: false, error: { code: "moved", shards: { epoch: 1, n: 2 } } });
    const [routed] = await applyLikesRouted(env, target, [{ userId: user, action: "like" }]);
    expect(routed).toMatchObject({ ok: true, result: { liked: true, changed: true, count: 1 } });
  });

  it("answers 400 to a bad shard count and 403 to a non-admin", async () => {
    const target = uniqueTarget();
    const admin = await adminToken();
    for (const body of [{ n: 0 }, { n: 65 }, { n: 2.5 }, { n: "4" }, {}, { n: 4, extra: true }]) {
      const res = await putShards(target, body, admin);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("invalid_request");
    }
    expect((await putShards("nokind:x", { n: 4 }, admin)).status).toBe(400);
    expect((await putShards(target, { n: 4 }, await tokenFor(uniqueUser()))).status).toBe(403);
    expect((await putShards(target, { n: 4 })).status).toBe(401);
    expect((await roomStub(target).shardConfig(target)).n).toBe(0);
    const shown = await call(`/v1/admin/targets/${target}/shards`, { headers: { authorization: `Bearer ${admin}` } });
    expect(await shown.json()).toEqual({ target, epoch: 0, n: 0, layout: [0] });
  });

  it("setting the same N again starts no new epoch", async () => {
    const target = uniqueTarget();
    expect(await setShards(target, 4)).toEqual({ epoch: 1, n: 4, layout: [0, 4] });
    expect(await setShards(target, 4)).toEqual({ epoch: 1, n: 4, layout: [0, 4] });
  });
});

describe("live sockets on a sharded target", () => {
  it("pushes the summed count to viewers and routes a socket like to the user's shard", async () => {
    const target = uniqueTarget();
    await setShards(target, 4);
    const user = uniqueUser();
    const writer = await LiveSocket.open(target, { token: await tokenFor(user) });
    const viewer = await LiveSocket.open(target);
    await writer.next("hello");
    await viewer.next("hello");

    const others = Array.from({ length: 6 }, () => uniqueUser());
    for (const other of others) await like(target, other);
    await viewer.next("count", (f) => f.count === others.length);

    writer.send({ type: "like", id: "socket-like" });
    const ack = await writer.next("ack", (f) => f.id === "socket-like");
    expect(ack.result).toMatchObject({ liked: true, changed: true, count: others.length + 1 });
    await viewer.next("count", (f) => f.count === others.length + 1);
    expect(await statusOf(target, user)).toBe(true);
    // Count frames only move forward: each shard report that changed the sum took a new seq.
    const seqs = viewer.of("count").map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    writer.close();
    viewer.close();
  });
});

/** A shard's tables with any cell mentioning `needle`; only the handoff marker may name an erased user. */
function shardTablesMentioning(target: string, epoch: number, k: number, needle: string): Promise<string[]> {
  return runInDurableObject(shardStub(env, target, epoch, k), (_shard, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray()
      .filter(({ name }) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()).includes(needle))
      .map(({ name }) => name),
  );
}

describe("deleting a user of a sharded target", () => {
  it("erases their like from their shard and scrubs older epochs, keeping the count exact", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const [leaver, stayer] = [uniqueUser("leaver"), uniqueUser("stayer")];
    const first = await setShards(target, 4);
    await like(target, leaver, "like", { "Idempotency-Key": "leaver-key" });
    await like(target, stayer);
    const second = await setShards(target, 8);
    await drainShards(target);
    expect(await statusOf(target, leaver)).toBe(true);

    const result = await roomStub(target).forgetUser({ target, userId: leaver });
    expect(result).toMatchObject({ likesRemoved: 1, count: 1 });
    expect(result.idempotencyKeysRemoved).toBeGreaterThanOrEqual(1);
    expect(await likeCount(target)).toBe(1);
    expect(await statusOf(target, stayer)).toBe(true);

    await drainShards(target);
    // The stayer's own index still holds the like (the leaver's object is a deletion's to forget).
    await waitForIndexedLikes(stayer, 1);
    // The handoff marker keeps the bare id (it stops an older epoch taking the user in twice)
    // but no longer says whether they liked; nothing else in either epoch names them.
    const inOld = await shardTablesMentioning(target, first.epoch, shardIndex(leaver, first.n), leaver);
    const inNew = await shardTablesMentioning(target, second.epoch, shardIndex(leaver, second.n), leaver);
    expect(inOld).toEqual(["like_moved"]);
    expect(inNew).toEqual([]);
    const marker = await runInDurableObject(shardStub(env, target, first.epoch, shardIndex(leaver, first.n)), (_shard, state) =>
      // Only the leaver's row: the stayer hashes to the same old shard one time in four.
      state.storage.sql.exec("SELECT liked, liked_at FROM like_moved WHERE user_id = ?", leaver).toArray(),
    );
    expect(marker).toEqual([{ liked: 0, liked_at: null }]);

    // If they come back, they start from "not liked" and count once.
    expect((await like(target, leaver)).body).toMatchObject({ liked: true, changed: true, count: 2 });
    expect((await like(target, leaver)).body).toMatchObject({ liked: true, changed: false, count: 2 });
  });
});

describe("hot target detection", () => {
  it("calls a target hot only above the rate over the whole window", () => {
    let now = 1_000_000;
    const detector = new HotTargetDetector(500, () => now);
    expect(detector.record(900)).toBe(false);
    now += 1_500;
    expect(detector.record(100)).toBe(false);
    expect(detector.record(1)).toBe(true);
    now += 2_500;
    expect(detector.record(10)).toBe(false);
  });
});
