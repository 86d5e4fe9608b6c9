import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { ReconcileReport } from "../../protocol/reconcile";
import { reconcileIndexes } from "../../workers/reconcile";
import { leaderboardFor } from "../../platform/leaderboards";
import { meterEnv, meteringReport } from "../../workers/dev-metering";
import { roomFor } from "../../platform/rooms";
import { userIndexFor } from "../../workers/user-objects";
import { call, like, runRoomAlarm, shardTarget, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { indexedLikes, indexedTargets, waitForIndexedLikes } from "./user-index-helpers";
import { dropIndexEntry, dropTouches, indexEntry, touchKinds, writeIndexEntry } from "./reconcile-helpers";
import { comment } from "./comment-helpers";
import { react } from "./deletion-helpers";
import { waitFor } from "./wait";

async function adminCall(path: string, method: "GET" | "POST", roles: string[] = ["admin"], body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles })}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return call(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function reconcileTargets(targets: string[]): Promise<ReconcileReport> {
  const res = await adminCall("/v1/admin/reconcile", "POST", ["admin"], { targets });
  expect(res.status).toBe(200);
  return ReconcileReport.parse(await res.json());
}

/** Users who like `target`, with each user's own index caught up (the queue delivered). */
async function likedBy(target: string, users: number): Promise<string[]> {
  const ids = Array.from({ length: users }, () => uniqueUser());
  for (const id of ids) expect((await like(target, id)).status).toBe(200);
  for (const id of ids) await waitForIndexedLikes(id, 1);
  return ids;
}

describe("reconciliation of users' indexes against the rooms", () => {
  it("finds a like missing from a liker's index and repairs it with the room's version", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const healthy = uniqueTarget();
    const [lost, kept] = await likedBy(target, 2);
    await likedBy(healthy, 1);
    await dropIndexEntry(lost!, target);
    expect(await indexedLikes(lost!)).toBe(0);

    const report = await reconcileTargets([target, healthy]);
    const seq = (await roomFor(env, target).snapshot(target)).seq;
    expect(report.drifts).toEqual([
      { target, indexed: 1, counted: null, truth: 2, repaired: true, usersChecked: 2, missing: 1, stale: 0, forgotten: 0 },
    ]);
    expect(report).toMatchObject({ targetsChecked: 2, driftsFound: 1, repaired: 1, failed: 0, complete: true, usersChecked: 3, usersDrifted: 1, usersRepaired: 1 });
    expect(await indexedLikes(lost!)).toBe(1);
    expect(await indexEntry(lost!, target)).toMatchObject({ liked: 1, epoch: 0, seq });
    expect(await indexEntry(kept!, target)).toMatchObject({ liked: 1 });

    const again = await reconcileTargets([target, healthy]);
    expect({ drifts: again.drifts, usersRepaired: again.usersRepaired }).toEqual({ drifts: [], usersRepaired: 0 });
    const last = await adminCall("/v1/admin/reconcile/last", "GET");
    expect(last.status).toBe(200);
    expect(ReconcileReport.parse(await last.json()).id).toBe(again.id);
  });

  it("finds an index that still says liked after an unlike it never heard of, and writes the tombstone", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const [user] = await likedBy(target, 1);
    const beforeUnlike = (await indexEntry(user!, target))!;
    expect((await like(target, user!, "unlike")).status).toBe(200);
    await waitForIndexedLikes(user!, 0);
    // The unlike's event never reached the user's object: the entry is the like's again.
    await writeIndexEntry(user!, target, beforeUnlike);
    expect(await indexedLikes(user!)).toBe(1);

    const report = await reconcileTargets([target]);
    expect(report.drifts).toEqual([{ target, indexed: 1, counted: null, truth: 0, repaired: true, usersChecked: 1, missing: 0, stale: 1, forgotten: 0 }]);
    expect(await indexedLikes(user!)).toBe(0);
    expect(await indexEntry(user!, target)).toMatchObject({ liked: 0, epoch: 0, seq: (await roomFor(env, target).snapshot(target)).seq });
  });

  it("files a target again under a commenter and a reactor whose index lost it, and leaves present entries alone", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const [commenter, reactor] = [uniqueUser("commenter"), uniqueUser("reactor")];
    await comment(target, commenter, "a comment whose event never reached its author's index");
    await react(target, reactor, "love");
    for (const [user, kind] of [[commenter, "comment"], [reactor, "reaction"]] as const) {
      await waitFor(() => touchKinds(user, target), (kinds) => kinds.includes(kind), 15_000, `${user}'s index to file the ${kind}`);
    }
    await dropTouches(commenter);

    const report = await reconcileTargets([target]);
    expect(report.drifts).toEqual([
      { target, indexed: 0, counted: null, truth: 0, repaired: true, usersChecked: 0, missing: 0, stale: 0, forgotten: 0, touchesMissing: 1 },
    ]);
    expect(report.touchesRepaired).toBe(1);
    expect(await touchKinds(commenter, target)).toEqual(["comment"]);
    expect(await touchKinds(reactor, target)).toEqual(["reaction"]);
    const again = await reconcileTargets([target]);
    expect({ drifts: again.drifts, touchesRepaired: again.touchesRepaired }).toEqual({ drifts: [], touchesRepaired: 0 });
  });

  it("never overwrites an entry newer than the room's read", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const [user] = await likedBy(target, 1);
    // A change the room made after the read, already delivered: an unlike at a later seq.
    const newer = { liked: 0, liked_at: null, epoch: 0, seq: 1_000_000, changed_at: Date.now() };
    await writeIndexEntry(user!, target, newer);

    const report = await reconcileTargets([target]);
    expect(report.drifts).toEqual([]);
    expect(report.usersChecked).toBe(1);
    expect(await indexEntry(user!, target)).toEqual({ target, ...newer });
  });

  it("does not write a like back into the index of a user whose deletion completed; the room forgets it", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const [leaver, stayer] = await likedBy(target, 2);
    // The deletion's last step ran, but its sweep missed this room (its like stayed there).
    expect(await userIndexFor(env, leaver!).forget()).toEqual({ forgotten: true, revision: 0 });

    const report = await reconcileTargets([target]);
    expect(report.drifts).toEqual([{ target, indexed: 1, counted: null, truth: 2, repaired: true, usersChecked: 2, missing: 0, stale: 0, forgotten: 1 }]);
    expect(await indexedTargets(leaver!)).toEqual([]);
    expect((await roomFor(env, target).likeStatus(target, leaver!)).liked).toBe(false);
    expect((await roomFor(env, target).snapshot(target)).likes).toBe(1);
    expect(await indexedLikes(stayer!)).toBe(1);
  });

  it("repairs the index of a liker held by a like shard, with the shard's epoch", { timeout: 60_000 }, async () => {
    const target = uniqueTarget();
    await shardTarget(target, 2);
    const users = await likedBy(target, 4);
    for (const user of users) await dropIndexEntry(user, target);

    const report = await reconcileTargets([target]);
    expect(report.drifts).toEqual([{ target, indexed: 0, counted: null, truth: 4, repaired: true, usersChecked: 4, missing: 4, stale: 0, forgotten: 0 }]);
    for (const user of users) expect(await indexEntry(user, target)).toMatchObject({ liked: 1, epoch: 1 });
  });

  it("samples the targets the leaderboards know as active, with no D1 statement but the run's own row", { timeout: 60_000 }, async () => {
    const target = uniqueTarget();
    const [user] = await likedBy(target, 1);
    await dropIndexEntry(user!, target);
    // The room reports its series to its leaderboard partition from its alarm.
    await waitFor(
      async () => {
        await runRoomAlarm(target);
        return leaderboardFor(env, target).activeTargets({ after: null, limit: 1_000 });
      },
      (active) => active.includes(target),
      15_000,
      "the leaderboard to know the target",
    );

    const who = `reconcile-${crypto.randomUUID().slice(0, 8)}`;
    const metered = meterEnv(env, who);
    const statements = () => meteringReport().counters[`${who}/d1.statements/DB`] ?? 0;
    let found: ReconcileReport["drifts"][number] | undefined;
    for (let run = 1; run <= 10 && found === undefined; run++) {
      const report = await reconcileIndexes(metered, "cron");
      // Reading the previous run's cursor and writing this run's row: nothing else, whatever the sample.
      expect(statements()).toBe(2 * run);
      found = report.drifts.find((drift) => drift.target === target);
    }
    expect(found).toMatchObject({ target, missing: 1, repaired: true });
    expect(await indexedLikes(user!)).toBe(1);
  });

  it("runs from the cron trigger and records the run", { timeout: 30_000 }, async () => {
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);
    const report = ReconcileReport.parse(await (await adminCall("/v1/admin/reconcile/last", "GET")).json());
    expect(report.trigger).toBe("cron");
  });

  it("refuses a bad target list with 400 in the error shape", async () => {
    for (const body of [{ targets: ["not a target"] }, { targets: [] }, { targets: [uniqueTarget()], extra: 1 }]) {
      const res = await adminCall("/v1/admin/reconcile", "POST", ["admin"], body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
  });

  it("refuses non-admins with 403 and anonymous callers with 401 in the error shape", async () => {
    for (const [path, method] of [["/v1/admin/reconcile", "POST"], ["/v1/admin/reconcile/last", "GET"]] as const) {
      const member = await adminCall(path, method, ["member"]);
      expect(member.status).toBe(403);
      expect(await member.json()).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
      const anonymous = await call(path, { method });
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
  });
});
