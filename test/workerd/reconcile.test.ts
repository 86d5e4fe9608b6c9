import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { ReconcileReport } from "../../protocol/reconcile";
import { roomFor } from "../../workers/rooms";
import { call, like, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { d1Count, seedLegacyLikes, waitForRoomCount } from "./pipeline-helpers";

async function adminCall(path: string, method: "GET" | "POST", roles: string[] = ["admin"]) {
  return call(path, { method, headers: { authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles })}` } });
}

/**
 * Likes in the room, and the legacy D1 rows a deployment from before issue 17 would hold for
 * them: nothing writes those tables now, reconciliation keeps old rows true to the rooms.
 */
async function likedBy(target: string, users: number): Promise<string[]> {
  const ids = Array.from({ length: users }, () => uniqueUser());
  for (const id of ids) await like(target, id);
  await waitForRoomCount(target, users);
  await seedLegacyLikes(target, ids);
  return ids;
}

describe("reconciliation", () => {
  it("finds a count drift and a missing like row injected into D1 and repairs both from the rooms", { timeout: 30_000 }, async () => {
    const wrongCount = uniqueTarget();
    const lostRow = uniqueTarget();
    const healthy = uniqueTarget();
    await likedBy(wrongCount, 3);
    const [lostUser] = await likedBy(lostRow, 2);
    await likedBy(healthy, 1);

    await env.DB.prepare("UPDATE target_counts SET likes = 42 WHERE target = ?").bind(wrongCount).run();
    await env.DB.prepare("DELETE FROM user_likes WHERE target = ? AND user_id = ?").bind(lostRow, lostUser).run();

    const res = await adminCall("/v1/admin/reconcile", "POST");
    expect(res.status).toBe(200);
    const report = ReconcileReport.parse(await res.json());
    const byTarget = new Map(report.drifts.map((drift) => [drift.target, drift]));
    expect(byTarget.get(wrongCount)).toEqual({ target: wrongCount, indexed: 3, counted: 42, truth: 3, repaired: true });
    expect(byTarget.get(lostRow)).toEqual({ target: lostRow, indexed: 1, counted: 2, truth: 2, repaired: true });
    expect(byTarget.has(healthy)).toBe(false);
    expect(report.targetsChecked).toBeGreaterThanOrEqual(3);
    expect(report.repaired).toBeGreaterThanOrEqual(2);
    expect(report.complete).toBe(true);

    expect(await d1Count("SELECT likes AS n FROM target_counts WHERE target = ?", wrongCount)).toBe(3);
    expect(await d1Count("SELECT COUNT(*) AS n FROM user_likes WHERE target = ? AND user_id = ?", lostRow, lostUser)).toBe(1);

    const last = await adminCall("/v1/admin/reconcile/last", "GET");
    expect(last.status).toBe(200);
    expect(ReconcileReport.parse(await last.json()).id).toBe(report.id);
  });

  it("removes like rows the room does not have and restores a deleted count row", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    await likedBy(target, 2);
    await env.DB.prepare("INSERT INTO user_likes (user_id, target, liked_at) VALUES (?, ?, ?)").bind(uniqueUser("ghost"), target, Date.now()).run();
    await env.DB.prepare("DELETE FROM target_counts WHERE target = ?").bind(target).run();

    const report = ReconcileReport.parse(await (await adminCall("/v1/admin/reconcile", "POST")).json());
    expect(report.drifts.find((drift) => drift.target === target)).toEqual({ target, indexed: 3, counted: null, truth: 2, repaired: true });
    expect(await d1Count("SELECT COUNT(*) AS n FROM user_likes WHERE target = ?", target)).toBe(2);
    const snapshot = await roomFor(env, target).snapshot(target);
    expect(await d1Count("SELECT likes AS n FROM target_counts WHERE target = ?", target)).toBe(snapshot.likes);
  });

  it("runs from the cron trigger and records the run", { timeout: 30_000 }, async () => {
    const target = uniqueTarget();
    await likedBy(target, 1);
    await env.DB.prepare("UPDATE target_counts SET likes = 5 WHERE target = ?").bind(target).run();

    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);

    const report = ReconcileReport.parse(await (await adminCall("/v1/admin/reconcile/last", "GET")).json());
    expect(report.trigger).toBe("cron");
    expect(report.drifts.find((drift) => drift.target === target)).toMatchObject({ counted: 5, truth: 1, repaired: true });
    expect(await d1Count("SELECT likes AS n FROM target_counts WHERE target = ?", target)).toBe(1);
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
