import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomFor } from "../../platform/rooms";
import { call, like, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { inPlaces, react, readReceipt, requestDeletion, waitForCompletion } from "./deletion-helpers";
import { comment, listComments } from "./comment-helpers";
import { api, targetPath } from "./moderation-helpers";
import { deliver } from "./pipeline-helpers";
import { lakeRowsOf, lakeRowsOfTargets, type LakeRow } from "./lake-helpers";
import { EVENTS_DLQ } from "../../workers/queues";
import { d1TablesMentioning, roomTablesMentioning } from "./traces";
import { waitFor } from "./wait";
import { emptyLegacyUserLikes, indexedLikes, indexedTargets, indexedWrites, waitForIndexedLikes } from "./user-index-helpers";

async function userStateTargets(userId: string): Promise<number> {
  const stub = env.USER_STATE.get(env.USER_STATE.idFromName(userId));
  return runInDurableObject(stub, async (_state, ctx) => {
    const sql = ctx.storage.sql;
    const exists = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'user_targets'").toArray().length > 0;
    return exists ? sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM user_targets").one().n : 0;
  });
}

/** Anonymous comment tombstones (no author, no text) across the rooms of `targets`. */
async function erasedCommentTombstones(targets: readonly string[]): Promise<number> {
  const counts = await Promise.all(
    targets.map((target) =>
      runInDurableObject(roomFor(env, target), (_room, state) =>
        state.storage.sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM comments WHERE deleted_at IS NOT NULL AND author_id IS NULL AND text = ''")
          .one().n,
      ),
    ),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

/**
 * D1 rows naming the user as a deployment from before issue 17 wrote them: nothing writes these
 * tables any more (migrations are additive, old rows stay), and a deletion still purges them.
 */
async function seedLegacyRows(userId: string, target: string): Promise<void> {
  const at = Date.now();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO user_likes (user_id, target, liked_at) VALUES (?, ?, ?)").bind(userId, target, at),
    env.DB.prepare("INSERT INTO events (event_id, type, target, user_id, at, seq) VALUES (?, 'like', ?, ?, ?, 1)").bind(crypto.randomUUID(), target, userId, at),
    env.DB.prepare("INSERT INTO comments (id, target, seq, author_id, author_name, text, mentions, created_at) VALUES (?, ?, 2, ?, ?, ?, '[]', ?)").bind(
      `legacy-${crypto.randomUUID()}`,
      target,
      userId,
      `Name ${userId}`,
      `a comment by ${userId}`,
      at,
    ),
  ]);
}

function countOf(rows: readonly { type: string }[], type: string): number {
  return rows.filter((row) => row.type === type).length;
}

describe("deleting a user's data", () => {
  it("removes every like and comment of a user on 50 targets, leaves no trace of the id and keeps counts exact", { timeout: 90_000 }, async () => {
    const leaver = uniqueUser("leaver");
    const stayer = uniqueUser("stayer");
    const liked = Array.from({ length: 50 }, () => uniqueTarget());
    const takenBack = uniqueTarget();
    await Promise.all(
      liked.map(async (target, i) => {
        await like(target, leaver, "like", i === 0 ? { "Idempotency-Key": "retry-safe-1" } : {});
        await like(target, stayer);
        const own = await comment(target, leaver, `a comment by ${leaver}`);
        const reply = await comment(target, stayer, "a reply that stays", own.id);
        await react(target, leaver, "love");
        await react(`comment:${reply.id}`, leaver, "haha");
      }),
    );
    await like(takenBack, leaver);
    await like(takenBack, leaver, "unlike");

    // The user's own object learns about the likes through the outbox and the event queue;
    // D1's legacy copies are not what the deletion reads.
    await waitForIndexedLikes(leaver, 50, 20_000);
    await waitFor(() => indexedWrites(leaver), (targets) => targets.length === 51, 20_000, "the user's index to name every target");
    await waitFor(async () => countOf(await lakeRowsOfTargets(liked), "like"), (n) => n === 100, 20_000, "every like to be kept in the lake");
    await emptyLegacyUserLikes();
    await seedLegacyRows(leaver, liked[0]!);
    await seedLegacyRows(stayer, liked[0]!);

    // The leaver's writes made these rooms: their UserState holds them for the quotas.
    expect(await userStateTargets(leaver)).toBe(51);
    const first = await requestDeletion(leaver);
    expect(first.status).toBe(202);
    expect(first.receipt).toMatchObject({ status: "pending", targetsTotal: 51, targetsDone: 0, completedAt: null });
    expect(first.location).toBe(`/v1/users/me/deletions/${first.receipt.receiptId}`);
    expect((await requestDeletion(leaver)).receipt.receiptId).toBe(first.receipt.receiptId);
    expect((await readReceipt(stayer, first.receipt.receiptId)).status).toBe(404);

    const done = await waitForCompletion(leaver, first.receipt.receiptId);
    expect(done).toMatchObject({ targetsTotal: 51, targetsDone: 51 });

    // The rooms: the leaver's likes and comments are gone, the stayer's remain, counts dropped by one.
    for (const target of liked) {
      const room = roomFor(env, target);
      expect(await room.snapshot(target)).toMatchObject({ likes: 1, comments: 1, reactions: {} });
      expect((await listComments(target)).items).toEqual([]);
      expect((await room.likeStatus(target, leaver)).liked).toBe(false);
      expect((await room.likeStatus(target, stayer)).liked).toBe(true);
    }

    // The indexes and the events converge on the rooms: counts (the rooms' snapshots above), the
    // stayer's likes still indexed, the leaver's gone, and one erasure event per removed like.
    let lake: LakeRow[] = [];
    await waitFor(
      async () => {
        const rows = await lakeRowsOfTargets(liked);
        lake = rows;
        return [
          (await Promise.all(liked.map(async (target) => (await roomFor(env, target).snapshot(target)).likes))).filter((n) => n === 1).length,
          await indexedLikes(stayer),
          countOf(rows, "unlike"),
          countOf(rows, "comment_delete"),
          // Comment tombstones live in the rooms (and their R2 archive), no longer read from D1.
          await erasedCommentTombstones(liked),
        ];
      },
      (seen) => seen.slice(0, 4).every((n) => n === 50) && seen[4]! >= 50,
      20_000,
      "the rooms, the indexes and the lake to converge",
    );
    // The lake still adds up: per target 2 likes - 1 erasure = the count of 1.
    const net = new Map<string, number>();
    for (const row of lake) if (row.type === "like" || row.type === "unlike") net.set(row.target, (net.get(row.target) ?? 0) + (row.type === "like" ? 1 : -1));
    expect(liked.map((target) => net.get(target))).toEqual(liked.map(() => 1));

    // Nothing under the user id remains, in D1 or in any room, once the rooms' alarms ran.
    await waitFor(() => inPlaces([...liked, takenBack], (target) => roomTablesMentioning(target, leaver)), (hits) => hits.length === 0, 20_000, "rooms to forget");
    expect(await d1TablesMentioning(leaver)).toEqual([]);
    // Nor does the user's own UserState (the targets their writes created, for the quotas; their index).
    expect(await userStateTargets(leaver)).toBe(0);
    expect(await indexedLikes(leaver)).toBe(0);
    expect(await indexedTargets(leaver)).toEqual([]);
    // The stayer is untouched, and the same scans do find an id that is still there.
    expect(await indexedLikes(stayer)).toBe(50);
    expect(await indexedTargets(stayer)).toEqual(expect.arrayContaining(liked));
    expect(await d1TablesMentioning(stayer)).toEqual(expect.arrayContaining(["comments", "events"]));
    expect(await roomTablesMentioning(liked[0]!, stayer)).toEqual(expect.arrayContaining(["comments", "likes"]));
  });

  it("finds and cleans rooms that name the user only in moderation: owner, moderator, member, banned, reporter", { timeout: 60_000 }, async () => {
    const leaver = uniqueUser("modleaver");
    const [owned, moderated, banned, reported] = Array.from({ length: 4 }, () => uniqueTarget("stream"));
    const leaverToken = await tokenFor(leaver);
    const otherOwner = await tokenFor(uniqueUser("owner"));
    expect((await api("PUT", targetPath(owned!), leaverToken, { title: "mine" })).status).toBe(201);
    for (const target of [moderated!, banned!, reported!]) expect((await api("PUT", targetPath(target), otherOwner, { title: "theirs" })).status).toBe(201);
    expect((await api("POST", targetPath(moderated!, "/moderators"), otherOwner, { userId: leaver })).status).toBe(200);
    expect((await api("POST", targetPath(moderated!, "/members"), otherOwner, { userId: leaver })).status).toBeLessThan(300);
    expect((await api("POST", targetPath(banned!, "/bans"), otherOwner, { userId: leaver })).status).toBe(201);
    const reportedComment = await comment(reported!, uniqueUser(), "reported");
    expect((await api("POST", targetPath(reported!, `/comments/${reportedComment.id}/report`), leaverToken, { reason: "rude" })).status).toBe(201);
    await env.DB.prepare("DELETE FROM user_room_refs WHERE user_id = ?").bind(leaver).run();
    await waitFor(
      () => indexedWrites(leaver),
      (targets) => [owned!, moderated!, banned!, reported!].every((target) => targets.includes(target)),
      15_000,
      "the user's own object to know the rooms naming them",
    );

    const { receipt } = await requestDeletion(leaver);
    expect(receipt.targetsTotal).toBe(4);
    await waitForCompletion(leaver, receipt.receiptId);
    await waitFor(
      () => inPlaces([owned!, moderated!, banned!, reported!], (target) => roomTablesMentioning(target, leaver)),
      (hits) => hits.length === 0,
      20_000,
      "rooms to forget the user",
    );
    expect(await d1TablesMentioning(leaver)).toEqual([]);
    // The owned room stays registered to nobody who can act: a token for the same id is no owner.
    const info = await api("GET", targetPath(owned!), null);
    expect(info.body.owner).not.toBe(leaver);
    expect((await api("PUT", targetPath(owned!), leaverToken, { title: "taken back" })).status).toBe(409);
  });

  it("completes a deletion for a user who never engaged", { timeout: 30_000 }, async () => {
    const user = uniqueUser("idle");
    const { receipt } = await requestDeletion(user);
    expect(receipt.targetsTotal).toBe(0);
    expect(await waitForCompletion(user, receipt.receiptId)).toMatchObject({ status: "completed", targetsDone: 0 });
    expect(await d1TablesMentioning(user)).toEqual([]);
  });

  it("anonymises events and drops dead letters of a deleted user that arrive after the deletion completed", { timeout: 30_000 }, async () => {
    const user = uniqueUser("late");
    // Written before the deletion, delivered after it completed (a write after it would be a
    // returning user's new one, kept under a new pseudonym).
    const writtenAt = Date.now() - 1_000;
    const { receipt } = await requestDeletion(user);
    await waitForCompletion(user, receipt.receiptId);
    const target = uniqueTarget();
    await env.EVENTS.send({ eventId: crypto.randomUUID(), type: "like", target, userId: user, at: writtenAt, seq: 1 });
    const [late] = await waitFor(() => lakeRowsOf(target), (rows) => rows.length === 1, 10_000, "the late event");
    expect(late?.user).toBeNull();
    // A dead letter naming the user is acked but not kept.
    const dead = await deliver(EVENTS_DLQ, [{ type: "broken", userId: user }]);
    expect(dead.result.explicitAcks).toHaveLength(1);
    expect(await d1TablesMentioning(user)).toEqual([]);
  });

  it("needs a token", async () => {
    const res = await call("/v1/users/me", { method: "DELETE" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
