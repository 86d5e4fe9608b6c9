import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, getJson, like, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";

/**
 * Tables in a room's own SQLite database. A Durable Object that never wrote is never stored;
 * one whose schema exists is a database kept for good. (Locally workerd makes an empty file
 * for any object it starts, so what counts is whether anything was written into it.)
 */
async function storedTables(target: string): Promise<number> {
  return runInDurableObject(roomStub(target), async (_room, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master").one().n);
}

const commentTarget = () => `comment:${"0".repeat(9)}${crypto.randomUUID().replaceAll("-", "").slice(0, 13)}`;

describe("reading a target that was never written", () => {
  it("answers zeros and empty lists over REST without storing the room", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const count = await getJson(`/v1/targets/${target}/count`);
    expect(count.status).toBe(200);
    expect(count.body.count).toBe(0);
    const stats = await getJson(`/v1/targets/${target}/stats`);
    expect(stats.body).toMatchObject({ likes: 0, reactions: {}, comments: 0, viewers: 0 });
    expect((await getJson(`/v1/users/${user}/likes/${target}`)).body).toEqual({ liked: false, likedAt: null });
    expect((await getJson(`/v1/targets/${target}/comments`)).body).toEqual({ items: [], nextCursor: null });
    expect((await getJson(`/v1/targets/${target}/comments/top`)).body).toEqual({ items: [] });
    expect((await getJson(`/v1/targets/${target}/reactions/like/users`)).body).toEqual({ items: [], nextCursor: null });
    const info = await getJson(`/v1/targets/${target}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ target, owner: null, moderators: [], pinned: null });
    expect(await storedTables(target)).toBe(0);
  });

  it("answers moderators' and admins' reads of an unknown target without storing it", async () => {
    const target = uniqueTarget();
    const admin = { authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` };
    const viewer = { authorization: `Bearer ${await tokenFor(uniqueUser())}` };
    expect((await call(`/v1/targets/${target}/bans`, { headers: viewer })).status).toBe(403);
    const bans = await call(`/v1/targets/${target}/bans`, { headers: admin });
    expect(bans.status).toBe(200);
    for (const path of [`/v1/targets/${target}/members`, `/v1/targets/${target}/reports`, `/v1/admin/targets/${target}/metrics`, `/v1/admin/targets/${target}/relays`, `/v1/admin/targets/${target}/shards`]) {
      expect((await call(path, { headers: admin })).status, path).toBe(200);
    }
    expect(await storedTables(target)).toBe(0);
  });

  it("answers a comment room nobody bound as before (404 for its users), without storing it", async () => {
    const target = commentTarget();
    expect((await call(`/v1/targets/${target}/reactions/like/users`)).status).toBe(404);
    expect((await getJson(`/v1/targets/${target}/stats`)).body).toMatchObject({ likes: 0, reactions: {} });
    expect(await storedTables(target)).toBe(0);
  });

  it("greets an anonymous live socket with zeros, resyncs a stale one, and stores nothing", async () => {
    const target = uniqueTarget();
    const viewer = await LiveSocket.open(target);
    expect(await viewer.next("hello")).toMatchObject({ count: 0, seq: 0, comments: 0, user: null });
    const stale = await LiveSocket.open(target, { since: 7 });
    expect(await stale.next("hello")).toMatchObject({ count: 0, seq: 0 });
    viewer.send({ type: "like", id: "a" });
    await viewer.next("error");
    viewer.ws.close(1000);
    stale.ws.close(1000);
    expect(await storedTables(target)).toBe(0);
  });

  it("refuses moderation and comment actions of a non-moderator on an unknown target without storing it", async () => {
    const target = uniqueTarget();
    const headers = { authorization: `Bearer ${await tokenFor(uniqueUser())}`, "content-type": "application/json" };
    const fakeId = `${"0".repeat(9)}${"a".repeat(7)}AAAAAA`;
    const attempts: [string, string, unknown, number][] = [
      ["PATCH", `/v1/targets/${target}/settings`, { slowModeSeconds: 5 }, 403],
      ["POST", `/v1/targets/${target}/bans`, { userId: uniqueUser() }, 403],
      ["POST", `/v1/targets/${target}/moderators`, { userId: uniqueUser() }, 403],
      ["PUT", `/v1/targets/${target}/pin`, { commentId: fakeId }, 403],
      ["DELETE", `/v1/targets/${target}/comments/${fakeId}`, undefined, 404],
      ["POST", `/v1/targets/${target}/comments/${fakeId}/report`, { reason: "spam" }, 404],
    ];
    for (const [method, path, body, status] of attempts) {
      const res = await call(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      expect(res.status, `${method} ${path}`).toBe(status);
    }
    expect(await storedTables(target)).toBe(0);
  });

  it("creates the room with its first write, and reads then see it", async () => {
    const target = uniqueTarget();
    expect((await getJson(`/v1/targets/${target}/count`)).body.count).toBe(0);
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    expect((await like(target, uniqueUser())).status).toBe(200);
    await viewer.next("count", (frame) => frame.count === 1);
    expect(await storedTables(target)).toBeGreaterThan(0);
    expect((await getJson(`/v1/targets/${target}/stats`)).body).toMatchObject({ likes: 1 });
    viewer.ws.close(1000);
  });
});
