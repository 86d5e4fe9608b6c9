import { describe, expect, it } from "vitest";
import { Ban } from "../../protocol/moderation";
import { ModLogResponse, ReportGroupsResponse } from "../../protocol/moderation";
import { tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { comment, listComments } from "./comment-helpers";
import { api, registerAs, targetPath } from "./moderation-helpers";

async function moderatedRoom() {
  const target = uniqueTarget("stream");
  const ownerToken = await registerAs(target, uniqueUser("owner"));
  const moderator = uniqueUser("mod");
  expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: moderator })).status).toBe(200);
  return { target, ownerToken, moderator, modToken: await tokenFor(moderator) };
}

async function report(target: string, commentId: string, reason: string): Promise<void> {
  expect((await api("POST", targetPath(target, `/comments/${commentId}/report`), await tokenFor(uniqueUser("reporter")), { reason })).status).toBe(201);
}

async function groups(target: string, token: string, query = "") {
  const answer = await api("GET", targetPath(target, `/reports/by-comment${query}`), token);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return ReportGroupsResponse.parse(answer.body);
}

async function modLogActions(target: string, token: string): Promise<unknown[]> {
  const { entries } = ModLogResponse.parse((await api("GET", targetPath(target, "/modlog"), token)).body);
  return entries.map(({ action, commentId, reason, detail }) => ({ action, commentId, reason, detail }));
}

describe("ban list paging", () => {
  it("pages bans and timeouts newest first with a cursor, and refuses a forged cursor", async () => {
    const { target, modToken } = await moderatedRoom();
    const banned: string[] = [];
    for (let i = 0; i < 5; i++) {
      const userId = uniqueUser(`troll${i}`);
      banned.unshift(userId);
      expect((await api("POST", targetPath(target, "/bans"), modToken, { userId, ...(i % 2 ? { durationSeconds: 600 } : {}) })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const answer = await api("GET", targetPath(target, `/bans?limit=2${cursor ? `&cursor=${cursor}` : ""}`), modToken);
      expect(answer.status).toBe(200);
      const bans = (answer.body.bans as unknown[]).map((ban) => Ban.parse(ban));
      expect(bans.length).toBeLessThanOrEqual(2);
      seen.push(...bans.map((ban) => ban.userId));
      cursor = answer.body.nextCursor as string | null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(seen)).toEqual(new Set(banned));
    const all = await api("GET", targetPath(target, "/bans"), modToken);
    expect((all.body.bans as Ban[]).map((ban) => ban.userId)).toEqual(seen);
    expect(all.body.nextCursor).toBeNull();
    expect((await api("GET", targetPath(target, "/bans?cursor=eyJ4IjoxfQ"), modToken)).body).toMatchObject({ error: { code: "invalid_request" } });
    expect((await api("GET", targetPath(target, "/bans?limit=101"), modToken)).status).toBe(400);
  });
});

describe("report triage", () => {
  it("groups open reports by comment with their count and newest reasons, most recently reported first, paged", async () => {
    const { target, modToken } = await moderatedRoom();
    const spam = await comment(target, uniqueUser(), "buy my stuff");
    const rude = await comment(target, uniqueUser(), "you are all wrong");
    await report(target, spam.id, "spam");
    await report(target, spam.id, "advertising");
    await report(target, rude.id, "rude");
    await report(target, spam.id, "spam");

    const first = await groups(target, modToken, "?limit=1");
    expect(first.groups).toEqual([
      { commentId: spam.id, count: 3, reasons: ["spam", "advertising"], firstAt: expect.any(String), lastAt: expect.any(String) },
    ]);
    const second = await groups(target, modToken, `?limit=1&cursor=${first.nextCursor}`);
    expect(second.groups).toMatchObject([{ commentId: rude.id, count: 1, reasons: ["rude"] }]);
    expect(second.nextCursor).toBeNull();

    const stranger = await api("GET", targetPath(target, "/reports/by-comment"), await tokenFor(uniqueUser()));
    expect(stranger).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
  });

  it("dismisses a comment's reports, keeping the comment, and logs the resolution", async () => {
    const { target, modToken } = await moderatedRoom();
    const fine = await comment(target, uniqueUser(), "a fair point");
    await report(target, fine.id, "I disagree");
    await report(target, fine.id, "wrong");

    const answer = await api("POST", targetPath(target, `/reports/${fine.id}/resolve`), modToken, { action: "dismiss", reason: "not a violation" });
    expect(answer).toMatchObject({ status: 200, body: { commentId: fine.id, action: "dismiss", resolved: 2, removed: false } });
    expect((await groups(target, modToken)).groups).toEqual([]);
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([fine.id]);
    expect((await modLogActions(target, modToken))[0]).toEqual({ action: "report_dismiss", commentId: fine.id, reason: "not a violation", detail: "2 reports" });
    // Nothing left to resolve.
    expect((await api("POST", targetPath(target, `/reports/${fine.id}/resolve`), modToken, { action: "dismiss" })).status).toBe(404);
  });

  it("removes a reported comment, closing its reports, with both in the mod log; others get 403", async () => {
    const { target, modToken } = await moderatedRoom();
    const bad = await comment(target, uniqueUser(), "terrible things");
    await report(target, bad.id, "abuse");

    const path = targetPath(target, `/reports/${bad.id}/resolve`);
    expect((await api("POST", path, await tokenFor(uniqueUser()), { action: "remove" })).status).toBe(403);
    expect((await api("POST", path, modToken, { action: "delete" })).status).toBe(400);
    const answer = await api("POST", path, modToken, { action: "remove" });
    expect(answer).toMatchObject({ status: 200, body: { action: "remove", resolved: 1, removed: true } });
    expect((await listComments(target)).items).toEqual([]);
    expect((await groups(target, modToken)).groups).toEqual([]);
    expect((await modLogActions(target, modToken)).slice(0, 2)).toEqual([
      { action: "report_remove", commentId: bad.id, reason: null, detail: "1 report" },
      { action: "comment_delete", commentId: bad.id, reason: null, detail: null },
    ]);
  });
});
