import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { UserIndexBackfillStep } from "../../protocol/backfill";
import { backfillUserIndexes } from "../../workers/backfill/user-indexes";
import { repairTargetTouches } from "../../workers/user-index-repair";
import { meterEnv, meteringReport } from "../../workers/dev-metering";
import { roomFor } from "../../platform/rooms";
import { call, like, shardTarget, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { seedLegacyLikes } from "./pipeline-helpers";
import { dropIndexEntry, dropTouches, indexEntry, touchKinds } from "./reconcile-helpers";
import { comment } from "./comment-helpers";
import { react } from "./deletion-helpers";
import { registerAs } from "./moderation-helpers";
import { indexedLikes, waitForIndexedLikes } from "./user-index-helpers";
import { waitFor } from "./wait";

function waitForIndexedTouch(userId: string, target: string, kind: string) {
  return waitFor(() => touchKinds(userId, target), (kinds) => kinds.includes(kind), 15_000, `${userId}'s index to file ${target} under ${kind}`);
}

async function step(body: unknown, roles = ["admin"]) {
  return call("/v1/admin/backfill/user-indexes", {
    method: "POST",
    headers: { authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles })}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function okStep(body: unknown): Promise<UserIndexBackfillStep> {
  const res = await step(body);
  expect(res.status).toBe(200);
  return UserIndexBackfillStep.parse(await res.json());
}

describe("backfill of users' indexes from the rooms", () => {
  it("rebuilds every index from the rooms for the targets the legacy D1 tables name, over resumed steps, and a rerun changes nothing", { timeout: 90_000 }, async () => {
    const plain = uniqueTarget();
    const sharded = uniqueTarget();
    const countOnly = uniqueTarget();
    await shardTarget(sharded, 2);
    const users = Array.from({ length: 4 }, () => uniqueUser("old"));
    const likes: [string, string[]][] = [
      [plain, users.slice(0, 3)],
      [sharded, users.slice(1, 4)],
      [countOnly, users.slice(0, 2)],
    ];
    for (const [target, likers] of likes) for (const user of likers) expect((await like(target, user)).status).toBe(200);
    for (const user of users) await waitForIndexedLikes(user, likes.filter(([, likers]) => likers.includes(user)).length);
    // A deployment from before issue 17: the likes are in the rooms and D1's legacy rows, no user
    // has an index yet. One target has only its count row left.
    for (const [target] of likes) for (const user of users) await dropIndexEntry(user, target);
    await seedLegacyLikes(plain, likes[0]![1]);
    await seedLegacyLikes(sharded, likes[1]![1]);
    await seedLegacyLikes(countOnly, []);
    await env.DB.prepare("UPDATE target_counts SET likes = 2 WHERE target = ?").bind(countOnly).run();
    for (const user of users) expect(await indexedLikes(user)).toBe(0);
    // A target with no like, only in D1's legacy comments: its commenter, reactor and owner.
    const talk = uniqueTarget();
    const [owner, commenter, reactor] = [uniqueUser("owner"), uniqueUser("commenter"), uniqueUser("reactor")];
    await registerAs(talk, owner);
    const said = await comment(talk, commenter, "from before the upgrade");
    await react(talk, reactor, "love");
    await env.DB.prepare("INSERT INTO comments (id, target, seq, author_id, author_name, text, mentions, created_at) VALUES (?, ?, 1, ?, 'c', 'x', '[]', ?)")
      .bind(said.id, talk, commenter, Date.now())
      .run();
    await waitForIndexedTouch(commenter, talk, "comment");
    await waitForIndexedTouch(reactor, talk, "reaction");
    for (const user of [owner, commenter, reactor]) await dropTouches(user);

    const first = await okStep({ limit: 3 });
    expect(first).toMatchObject({ done: false, targetsVisited: 3, failed: 0 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await okStep({ cursor: first.nextCursor, limit: 3 });
    expect(second).toMatchObject({ done: true, nextCursor: null, targetsVisited: 1, failed: 0 });
    expect(first.usersUpdated + second.usersUpdated).toBe(8);
    expect(await touchKinds(commenter, talk)).toEqual(["comment"]);
    expect(await touchKinds(reactor, talk)).toEqual(["reaction"]);
    expect(await touchKinds(owner, talk)).toEqual(["ref"]);

    for (const user of users) expect(await indexedLikes(user)).toBe(likes.filter(([, likers]) => likers.includes(user)).length);
    for (const [target, likers] of likes) {
      const seq = (await roomFor(env, target).snapshot(target)).seq;
      for (const user of likers) {
        const entry = await indexEntry(user, target);
        expect(entry).toMatchObject({ liked: 1, epoch: target === sharded ? 1 : 0 });
        if (target !== sharded) expect(entry?.seq).toBe(seq);
      }
    }

    // Rerun from the start: nothing to write, one D1 query per step.
    const who = `backfill-${crypto.randomUUID().slice(0, 8)}`;
    const metered = meterEnv(env, who);
    let cursor: string | undefined;
    let steps = 0;
    let updated = 0;
    for (;;) {
      const again = await backfillUserIndexes(metered, { limit: 3, ...(cursor === undefined ? {} : { cursor }) });
      steps++;
      updated += again.usersUpdated + again.touchesUpdated;
      if (again.done) break;
      cursor = again.nextCursor!;
    }
    expect({ steps, updated }).toEqual({ steps: 2, updated: 0 });
    expect(meteringReport().counters[`${who}/d1.statements/DB`]).toBe(steps);

    // Steps of at most 2 users cut targets mid-way (likes, then touches) and resume from the
    // cursor; after the indexes are wiped again, they rebuild them just the same.
    for (const [target] of likes) for (const user of users) await dropIndexEntry(user, target);
    for (const user of [owner, commenter, reactor]) await dropTouches(user);
    cursor = undefined;
    let small = 0;
    const totals = { usersUpdated: 0, touchesUpdated: 0 };
    for (;;) {
      const part = await backfillUserIndexes(env, { limit: 3, ...(cursor === undefined ? {} : { cursor }) }, 2);
      small++;
      expect(part.usersChecked).toBeLessThanOrEqual(2);
      totals.usersUpdated += part.usersUpdated;
      totals.touchesUpdated += part.touchesUpdated;
      if (part.done) break;
      cursor = part.nextCursor!;
    }
    expect(small).toBeGreaterThan(4);
    expect(totals).toEqual({ usersUpdated: 8, touchesUpdated: 3 });
    for (const user of users) expect(await indexedLikes(user)).toBe(likes.filter(([, likers]) => likers.includes(user)).length);
    expect(await touchKinds(reactor, talk)).toEqual(["reaction"]);
  });

  it("leaves a target's touches for the next step when the step's budget ran out on its likes", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    const commenter = uniqueUser("commenter");
    await comment(target, commenter, "before the upgrade");
    await waitForIndexedTouch(commenter, target, "comment");
    await dropTouches(commenter);
    expect((await repairTargetTouches(env, target, { maxUsers: 0 })).next).toEqual({ afterUserId: null });
    expect(await repairTargetTouches(env, target, { maxUsers: 10 })).toMatchObject({ usersChecked: 1, stored: 1, next: null });
    expect(await touchKinds(commenter, target)).toEqual(["comment"]);
  });

  it("refuses a forged cursor, a bad limit and non-admins in the error shape", async () => {
    for (const body of [{ cursor: "not-ours" }, { limit: 0 }, { limit: 101 }, { extra: true }]) {
      const res = await step(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
    const member = await step({}, ["member"]);
    expect(member.status).toBe(403);
    const anonymous = await call("/v1/admin/backfill/user-indexes", { method: "POST" });
    expect(anonymous.status).toBe(401);
  });
});
