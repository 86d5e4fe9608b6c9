import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { UserIndexBackfillStep } from "../../protocol/backfill";
import { backfillUserIndexes } from "../../workers/backfill/user-indexes";
import { meterEnv, meteringReport } from "../../workers/dev-metering";
import { roomFor } from "../../workers/rooms";
import { call, like, shardTarget, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { seedLegacyLikes } from "./pipeline-helpers";
import { dropIndexEntry, indexEntry } from "./reconcile-helpers";
import { indexedLikes, waitForIndexedLikes } from "./user-index-helpers";

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

    const first = await okStep({ limit: 2 });
    expect(first).toMatchObject({ done: false, targetsVisited: 2, failed: 0 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await okStep({ cursor: first.nextCursor, limit: 2 });
    expect(second).toMatchObject({ done: true, nextCursor: null, targetsVisited: 1, failed: 0 });
    expect(first.usersUpdated + second.usersUpdated).toBe(8);

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
      const again = await backfillUserIndexes(metered, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      steps++;
      updated += again.usersUpdated;
      if (again.done) break;
      cursor = again.nextCursor!;
    }
    expect({ steps, updated }).toEqual({ steps: 2, updated: 0 });
    expect(meteringReport().counters[`${who}/d1.statements/DB`]).toBe(steps);
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
