import { env, listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ShardConfigResponse } from "../../protocol/shards";
import { call, like, postJson, runRoomAlarm, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { comment, deleteComment } from "./comment-helpers";
import { lakeRowsOf } from "./lake-helpers";
import { indexedTargets, waitForIndexedLikes } from "./user-index-helpers";
import { waitFor } from "./wait";

/**
 * Every row of every table of ours in D1, as one value. Equal before and after means no
 * statement changed D1: an insert, a delete or an update of any column shows up here. The
 * legacy writers wrote rows keyed by the test's fresh targets and users, so none of them could
 * hide in an unchanged snapshot.
 */
async function d1Contents(): Promise<Record<string, unknown[]>> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
  ).all<{ name: string }>();
  const contents: Record<string, unknown[]> = {};
  for (const { name } of tables) contents[name] = (await env.DB.prepare(`SELECT * FROM "${name}" ORDER BY 1`).all()).results;
  return contents;
}

async function react(target: string, userId: string, emoji: string, action: "add" | "remove" = "add"): Promise<void> {
  const res = await postJson("/v1/reactions", { target, emoji, action }, { token: await tokenFor(userId) });
  expect(res.status).toBe(200);
}

/** Runs the room's and every like shard's due jobs (outboxes, count reports) until nothing is left. */
async function drain(targets: readonly string[]): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const id of await listDurableObjectIds(env.LIKE_SHARD)) await runDurableObjectAlarm(env.LIKE_SHARD.get(id));
    for (const target of targets) await runRoomAlarm(target);
  }
}

describe("the data plane and D1", () => {
  it("sends D1 no statement for likes, unlikes, comments and reactions on a room and a sharded target, through rooms, shards, queue and users' objects", { timeout: 90_000 }, async () => {
    const room = uniqueTarget();
    const sharded = uniqueTarget();
    const admin = await tokenFor(uniqueUser("admin"), { roles: ["admin"] });
    const shardRes = await call(`/v1/admin/targets/${sharded}/shards`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ n: 2 }),
    });
    expect(shardRes.status).toBe(200);
    expect(ShardConfigResponse.parse(await shardRes.json()).n).toBe(2);

    const before = await d1Contents();
    // The legacy tables exist (migrations stay additive), so the snapshot would see their rows.
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["user_likes", "target_counts", "events", "event_rollups", "comments", "user_room_refs"]));

    const [ann, bob, cy] = [uniqueUser("ann"), uniqueUser("bob"), uniqueUser("cy")];
    for (const target of [room, sharded]) {
      for (const user of [ann, bob, cy]) expect((await like(target, user)).status).toBe(200);
      expect((await like(target, bob, "unlike")).status).toBe(200);
    }
    const first = await comment(room, ann, "first");
    const reply = await comment(room, cy, "a reply", first.id);
    await comment(sharded, bob, "on the hot one");
    expect((await deleteComment(room, cy, reply.id)).status).toBe(200);
    await react(room, bob, "love");
    await react(room, cy, "wow");
    await react(room, cy, "wow", "remove");
    await react(sharded, ann, "haha");
    await react(`comment:${first.id}`, bob, "like");

    await drain([room, sharded]);
    // The consumer ran: each user's own object holds their likes and the targets they touched...
    await waitForIndexedLikes(ann, 2);
    await waitForIndexedLikes(bob, 0);
    await waitForIndexedLikes(cy, 2);
    await waitFor(() => indexedTargets(bob), (targets) => [room, sharded].every((t) => targets.includes(t)), 15_000, "bob's targets");
    // ...and the lake holds the events of both targets, from the room and from the shards.
    const lake = await waitFor(
      async () => [...(await lakeRowsOf(room)), ...(await lakeRowsOf(sharded))],
      (rows) => {
        const count = (type: string) => rows.filter((row) => row.type === type).length;
        return count("like") === 6 && count("unlike") === 2 && count("comment_delete") === 1 && count("reaction_remove") === 1;
      },
      15_000,
      "the lake to hold both targets' likes",
    );
    expect(lake.some((row) => row.epoch > 0)).toBe(true);
    await drain([room, sharded]);

    expect(await d1Contents()).toEqual(before);
  });
});
