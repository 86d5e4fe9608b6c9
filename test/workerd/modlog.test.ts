import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ModLogEntry } from "../../protocol/moderation";
import { ModLogResponse } from "../../protocol/moderation";
import { ModLog, MOD_LOG_MAX_ROWS } from "../../durable-objects/moderation/mod-log";
import { RoomSeq } from "../../durable-objects/room-seq";
import { RoomMeta } from "../../durable-objects/room-meta";
import { ChangeLog } from "../../durable-objects/write-path/change-log";
import { forgetModerationData, FORGOTTEN_USER } from "../../durable-objects/moderation/forget-moderation";
import { roomStub, tokenFor, uniqueTarget, uniqueUser, uniqueText } from "./helpers";
import { comment, deleteComment } from "./comment-helpers";
import { api, moderatedRoom, registerAs, targetPath } from "./moderation-helpers";

async function modLog(target: string, token: string, query = ""): Promise<{ entries: ModLogEntry[]; nextCursor: string | null }> {
  const answer = await api("GET", targetPath(target, `/modlog${query}`), token);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return ModLogResponse.parse(answer.body);
}

describe("mod log", () => {
  it("records who did what to whom, when and why, newest first, for every moderation action", async () => {
    const { target, owner, ownerToken, moderator, modToken } = await moderatedRoom();
    const troll = uniqueUser("troll");
    const author = uniqueUser("author");
    const secret = uniqueText("secret words");
    const removed = await comment(target, author, secret);
    const kept = await comment(target, author, "a fine comment");
    const started = Date.now();

    const steps: [string, string, unknown][] = [
      ["POST", "/bans", { userId: troll, reason: "spam links" }],
      ["POST", "/bans", { userId: troll, durationSeconds: 600, reason: "cool off" }],
      ["DELETE", `/bans/${troll}`, undefined],
      ["PATCH", "/settings", { slowModeSeconds: 5, filter: "reject" }],
      ["PUT", "/terms", { blocked: ["spam*"], suspect: ["crypto"] }],
      ["PUT", "/pin", { commentId: kept.id }],
      ["DELETE", "/pin", undefined],
      ["POST", `/comments/${kept.id}/highlight`, { highlighted: true }],
      ["POST", `/comments/${kept.id}/highlight`, { highlighted: false }],
    ];
    for (const [method, path, body] of steps) expect((await api(method, targetPath(target, path), modToken, body)).status, `${method} ${path}`).toBeLessThan(300);
    expect((await deleteComment(target, moderator, removed.id)).status).toBe(200);
    expect((await api("DELETE", targetPath(target, `/moderators/${moderator}`), ownerToken)).status).toBe(200);

    const { entries, nextCursor } = await modLog(target, ownerToken);
    expect(nextCursor).toBeNull();
    const strip = ({ id: _id, at: _at, ...rest }: ModLogEntry) => rest;
    const by = (who: string, action: ModLogEntry["action"], more: Partial<ModLogEntry> = {}) => ({
      moderator: who, action, userId: null, commentId: null, reason: null, detail: null, ...more,
    });
    expect(entries.map(strip)).toEqual([
      by(owner, "moderator_remove", { userId: moderator }),
      by(moderator, "comment_delete", { userId: author, commentId: removed.id }),
      by(moderator, "unhighlight", { userId: author, commentId: kept.id }),
      by(moderator, "highlight", { userId: author, commentId: kept.id }),
      by(moderator, "unpin", { commentId: kept.id }),
      by(moderator, "pin", { userId: author, commentId: kept.id }),
      by(moderator, "terms", { detail: "blocked 1, suspect 1" }),
      by(moderator, "settings", { detail: "filter, slowModeSeconds" }),
      by(moderator, "unban", { userId: troll }),
      by(moderator, "timeout", { userId: troll, reason: "cool off", detail: "600 s" }),
      by(moderator, "ban", { userId: troll, reason: "spam links" }),
      by(owner, "moderator_add", { userId: moderator }),
    ]);
    for (const entry of entries) expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(started - 60_000);
    expect(JSON.stringify(entries)).not.toContain(secret);
    const ids = entries.map((entry) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it("leaves out what is not a moderator's action: an author deleting their own comment", async () => {
    const { target, ownerToken } = await moderatedRoom();
    const author = uniqueUser();
    const own = await comment(target, author, "oops");
    expect((await deleteComment(target, author, own.id)).status).toBe(200);
    expect((await modLog(target, ownerToken)).entries.map((entry) => entry.action)).toEqual(["moderator_add"]);
  });

  it("answers moderators only, in pages with a cursor, and refuses a bad cursor or page size", async () => {
    const { target, ownerToken, modToken } = await moderatedRoom();
    for (const slow of [1, 2, 3, 4]) expect((await api("PATCH", targetPath(target, "/settings"), modToken, { slowModeSeconds: slow })).status).toBe(200);
    const first = await modLog(target, modToken, "?limit=2");
    expect(first.entries).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await modLog(target, modToken, `?limit=2&cursor=${first.nextCursor}`);
    const third = await modLog(target, modToken, `?limit=2&cursor=${second.nextCursor}`);
    expect(third.nextCursor).toBeNull();
    const all = [...first.entries, ...second.entries, ...third.entries];
    expect(all.map((entry) => entry.action)).toEqual(["settings", "settings", "settings", "settings", "moderator_add"]);
    expect(new Set(all.map((entry) => entry.id)).size).toBe(5);

    for (const query of ["?cursor=nonsense", "?limit=101", "?limit=0"]) {
      expect((await api("GET", targetPath(target, `/modlog${query}`), ownerToken)).body, query).toMatchObject({ error: { code: "invalid_request" } });
    }
    const stranger = await api("GET", targetPath(target, "/modlog"), await tokenFor(uniqueUser()));
    expect(stranger).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect((await api("GET", targetPath(target, "/modlog"), null)).status).toBe(401);
  });

  it(`keeps the newest ${MOD_LOG_MAX_ROWS} entries`, async () => {
    const { target, ownerToken, moderator } = await moderatedRoom();
    await runInDurableObject(roomStub(target), (_room, state) => {
      // A seq and change log of the test's own: the live events it makes go nowhere.
      const log = new ModLog(state.storage.sql, new RoomSeq(new RoomMeta(state.storage.sql)));
      const changes = new ChangeLog();
      for (let i = 0; i < MOD_LOG_MAX_ROWS + 5; i++) log.record(changes, { moderatorId: moderator, action: "unban", at: Date.now(), userId: `user-${i}` });
      expect(state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM mod_log").one().n).toBe(MOD_LOG_MAX_ROWS);
    });
    const newest = await modLog(target, ownerToken, "?limit=1");
    expect(newest.entries[0]).toMatchObject({ userId: `user-${MOD_LOG_MAX_ROWS + 4}` });
    await runInDurableObject(roomStub(target), (_room, state) => {
      const oldest = state.storage.sql.exec<{ user_id: string }>("SELECT user_id FROM mod_log ORDER BY id LIMIT 1").one();
      expect(oldest.user_id).toBe("user-5");
    });
  });

  it("no longer names an erased user, as moderator or as subject, nor keeps a reason about them", async () => {
    const { target, moderator, modToken, ownerToken } = await moderatedRoom();
    const troll = uniqueUser("troll");
    expect((await api("POST", targetPath(target, "/bans"), modToken, { userId: troll, reason: `about ${troll}` })).status).toBe(201);
    await runInDurableObject(roomStub(target), (_room, state) => {
      state.storage.transactionSync(() => {
        forgetModerationData(state.storage.sql, troll);
        forgetModerationData(state.storage.sql, moderator);
      });
    });
    const { entries } = await modLog(target, ownerToken);
    expect(entries[0]).toMatchObject({ action: "ban", moderator: FORGOTTEN_USER, userId: FORGOTTEN_USER, reason: null });
    expect(JSON.stringify(entries)).not.toContain(troll);
    expect(JSON.stringify(entries)).not.toContain(moderator);
  });
});
