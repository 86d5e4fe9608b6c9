import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ReconcileReport } from "../../protocol/reconcile";
import { roomFor } from "../../platform/rooms";
import { call, like, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { inPlaces, react, receiptOf, requestDeletion, waitForCompletion } from "./deletion-helpers";
import { comment } from "./comment-helpers";
import { dropIndexEntry } from "./reconcile-helpers";
import { api, targetPath } from "./moderation-helpers";
import { d1TablesMentioning, roomTablesMentioning } from "./traces";
import { waitFor } from "./wait";
import { emptyLegacyUserLikes, indexedLikes, indexedTargets, waitForIndexedLikes } from "./user-index-helpers";

async function reconcileNow(targets: string[]): Promise<ReconcileReport> {
  const res = await call("/v1/admin/reconcile", {
    method: "POST",
    headers: { authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}`, "content-type": "application/json" },
    body: JSON.stringify({ targets }),
  });
  expect(res.status).toBe(200);
  return ReconcileReport.parse(await res.json());
}

describe("a deletion while the user keeps writing", () => {
  it("removes likes, comments, reactions and reports made after every room was visited once, and reconciliation does not bring them back", { timeout: 120_000 }, async () => {
    const leaver = uniqueUser("busy");
    const stayer = uniqueUser("stays");
    const targets = Array.from({ length: 6 }, () => uniqueTarget());
    for (const target of targets) {
      expect((await like(target, leaver)).status).toBe(200);
      expect((await like(target, stayer)).status).toBe(200);
    }
    const reported = await comment(targets[4]!, stayer, "reported while the deletion runs");
    await waitForIndexedLikes(leaver, 6, 20_000);
    // The deletion reads the user's own object, not D1's legacy copy.
    await emptyLegacyUserLikes(leaver);

    const { receipt } = await requestDeletion(leaver);
    expect(receipt).toMatchObject({ status: "pending", targetsTotal: 6 });
    // Every room has forgotten the user once; the deletion is still settling.
    const visited = await waitFor(() => receiptOf(leaver, receipt.receiptId), (r) => r.targetsDone === 6 || r.status === "completed", 30_000, "every room visited once");
    expect(visited.status).toBe("pending");

    // The user goes on: likes rooms already visited again, likes a new one, comments, reacts, reports.
    const late = uniqueTarget();
    const leaverToken = await tokenFor(leaver);
    await Promise.all([
      api("POST", targetPath(targets[4]!, `/comments/${reported.id}/report`), leaverToken, { reason: "rude" }).then((res) => expect(res.status).toBe(201)),
      like(targets[0]!, leaver),
      like(targets[1]!, leaver),
      like(late, leaver),
      comment(targets[2]!, leaver, `still here, ${leaver}`),
      react(targets[3]!, leaver, "love"),
    ]);
    expect((await receiptOf(leaver, receipt.receiptId)).status).toBe("pending");

    await waitForCompletion(leaver, receipt.receiptId);
    // Completed means clean now, not after some later job: every room, the D1 tables.
    const touched = [...targets, late];
    expect(await inPlaces(touched, (target) => roomTablesMentioning(target, leaver)), "rooms at completion").toEqual([]);
    expect(await d1TablesMentioning(leaver), "D1 at completion").toEqual([]);
    for (const target of targets) expect((await roomFor(env, target).snapshot(target)).likes).toBe(1);
    expect(await indexedTargets(leaver), "the user's own object at completion").toEqual([]);
    expect(await indexedLikes(stayer)).toBe(6);

    // Reconciliation over these rooms finds every index true to them and writes nothing of the leaver back.
    const report = await reconcileNow(touched);
    expect(report.drifts.filter((drift) => touched.includes(drift.target))).toEqual([]);
    expect(report.usersChecked).toBeGreaterThanOrEqual(6);
    expect(await indexedTargets(leaver), "the user's own object after reconciliation").toEqual([]);
    expect(await indexedLikes(stayer)).toBe(6);
    // Nothing the rooms still had queued writes the user back either.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await d1TablesMentioning(leaver), "D1 later").toEqual([]);
    expect(await inPlaces(touched, (target) => roomTablesMentioning(target, leaver)), "rooms later").toEqual([]);
    expect(await indexedTargets(leaver), "the user's own object later").toEqual([]);
  });

  it("reconciliation erases, never copies back, a like a deleted user still has in a room", { timeout: 60_000 }, async () => {
    const leaver = uniqueUser("gone");
    const stayer = uniqueUser("stays");
    const target = uniqueTarget();
    // The stayer's write makes the room, so the leaver's object names it only by the like.
    expect((await like(target, stayer)).status).toBe(200);
    expect((await like(target, leaver)).status).toBe(200);
    await waitForIndexedLikes(leaver, 1);
    await waitForIndexedLikes(stayer, 1);
    // The leaver's object lost the entry, so the deletion's sweep never visits this room: the
    // like stays there, older than the deletion.
    await dropIndexEntry(leaver, target);
    const { receipt } = await requestDeletion(leaver);
    await waitForCompletion(leaver, receipt.receiptId);
    expect((await roomFor(env, target).likeStatus(target, leaver)).liked).toBe(true);

    const report = await reconcileNow([target]);
    expect(report.drifts.find((drift) => drift.target === target)).toMatchObject({ indexed: 1, counted: null, truth: 2, repaired: true, forgotten: 1 });
    expect(await indexedTargets(leaver)).toEqual([]);
    expect(await indexedLikes(stayer)).toBe(1);
    expect((await roomFor(env, target).likeStatus(target, leaver)).liked).toBe(false);
    expect((await roomFor(env, target).snapshot(target)).likes).toBe(1);
    await waitFor(() => roomTablesMentioning(target, leaver), (tables) => tables.length === 0, 10_000, "the room to forget the late like");
  });
});
