import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Comment, CommentEdits } from "../../protocol/comments";
import { RecentEvents } from "../../durable-objects/relays/recent-events";
import { MAX_EDITS } from "../../durable-objects/comments/comment-edits";
import { call, eventually, roomStub, tokenFor, uniqueTarget, uniqueUser, uniqueText } from "./helpers";
import { comment } from "./comment-helpers";
import { api, insertCommentRow, registerAs, targetPath } from "./moderation-helpers";
import { LiveSocket } from "./live-socket";

async function edit(target: string, userId: string, id: string, text: string, roles?: string[]) {
  return api("PATCH", targetPath(target, `/comments/${id}`), await tokenFor(userId, roles ? { roles } : {}), { text });
}

async function versionsStored(target: string, id: string): Promise<number> {
  return runInDurableObject(roomStub(target), (_room, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comment_edits WHERE comment_id = ?", id).one().n);
}

describe("editing a comment", () => {
  it("replaces the text for everyone, marks it edited, sends it live and keeps the old text for the author and moderators", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const author = uniqueUser("author");
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    const posted = await comment(target, author, "teh first take");
    await viewer.next("event", (frame) => frame.event.kind === "comment");

    const answer = await edit(target, author, posted.id, "the first take @ana");
    expect(answer.status).toBe(200);
    const edited = Comment.parse(answer.body);
    expect(edited).toMatchObject({ id: posted.id, seq: posted.seq, text: "the first take @ana", mentions: ["ana"], createdAt: posted.createdAt });
    expect(Date.parse(edited.editedAt!)).toBeGreaterThanOrEqual(Date.parse(posted.createdAt));
    expect(posted.editedAt).toBeUndefined();

    const live = await viewer.next("event", (frame) => frame.event.kind === "comment" && frame.event.comment.text !== posted.text);
    expect(live.event).toMatchObject({ kind: "comment", comment: { id: posted.id, text: "the first take @ana", editedAt: edited.editedAt } });
    viewer.close();
    expect((await api("GET", targetPath(target, `/comments/${posted.id}`), null)).body).toMatchObject({ text: "the first take @ana", editedAt: edited.editedAt });

    const history = await api("GET", targetPath(target, `/comments/${posted.id}/edits`), await tokenFor(author));
    expect(history.status).toBe(200);
    expect(CommentEdits.parse(history.body).versions).toMatchObject([{ version: 1, text: "teh first take" }]);
    expect((await api("GET", targetPath(target, `/comments/${posted.id}/edits`), ownerToken)).status).toBe(200);
    expect((await api("GET", targetPath(target, `/comments/${posted.id}/edits`), await tokenFor(uniqueUser("nosy")))).status).toBe(403);
    expect((await call(targetPath(target, `/comments/${posted.id}/edits`))).status).toBe(401);
  });

  it("scrubs the superseded text from the replay history, as deleted text is", async () => {
    const target = uniqueTarget("stream");
    const author = uniqueUser("author");
    const secret = uniqueText("typo");
    const posted = await comment(target, author, secret);
    expect((await edit(target, author, posted.id, "fixed")).status).toBe(200);
    const socket = await LiveSocket.open(target, { since: 0 });
    const hello = await socket.next("hello");
    await eventually(async () => expect(socket.of("event").length).toBeGreaterThanOrEqual(hello.replay));
    socket.close();
    const replayed = socket.of("event").filter((frame) => frame.replay);
    expect(replayed.map((frame) => frame.event.kind)).toEqual(["comment", "comment"]);
    expect(JSON.stringify(socket.frames)).not.toContain(secret);
    expect(replayed.every((frame) => frame.event.kind === "comment" && frame.event.comment.text === "fixed")).toBe(true);
  });

  it("scrubs a relay's recent events the same way (the room sends the revision with its redactions)", () => {
    const recent = new RecentEvents(0);
    const original: Comment = { id: "0000000010000001abcdef", target: "stream:x", author: { id: "a", name: "A" }, text: "old words", mentions: [], replyTo: null, createdAt: new Date(0).toISOString(), seq: 1, reactions: {}, replies: 0, highlighted: false, deleted: false };
    recent.add([{ seq: 1, at: 0, event: { kind: "comment", comment: original } }]);
    expect(recent.redact({ commentIds: [], authorId: null, revisions: [{ id: original.id, text: "new words", mentions: [], editedAt: new Date(5).toISOString() }] })).toBe(1);
    expect(JSON.stringify(recent.after(0))).not.toContain("old words");
    expect(recent.after(0)![0]!.event).toMatchObject({ kind: "comment", comment: { text: "new words", editedAt: new Date(5).toISOString(), seq: 1 } });
  });

  it("answers an unchanged text with the comment as it is, and no new version", async () => {
    const target = uniqueTarget("post");
    const author = uniqueUser("author");
    const posted = await comment(target, author, "same");
    expect(await edit(target, author, posted.id, "same")).toMatchObject({ status: 200, body: { text: "same" } });
    expect((await edit(target, author, posted.id, "same")).body.editedAt).toBeUndefined();
    expect(await versionsStored(target, posted.id)).toBe(0);
  });

  it("is for the author only, within the window, before a moderator acted, at most five times", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const author = uniqueUser("author");
    const posted = await comment(target, author, "one");
    expect(await edit(target, uniqueUser("other"), posted.id, "hijack")).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect(await edit(target, uniqueUser("admin"), posted.id, "admin rewrite", ["admin"])).toMatchObject({ status: 403 });

    const old = await insertCommentRow(target, { authorId: author, text: "long ago", createdAt: Date.now() - 16 * 60_000 });
    expect(await edit(target, author, old, "too late")).toMatchObject({ status: 409, body: { error: { code: "edit_closed" } } });

    const highlighted = await comment(target, author, "to be highlighted");
    expect((await api("POST", targetPath(target, `/comments/${highlighted.id}/highlight`), ownerToken, { highlighted: true })).status).toBe(200);
    expect(await edit(target, author, highlighted.id, "changed after")).toMatchObject({ status: 409, body: { error: { code: "edit_locked" } } });
    const pinned = await comment(target, author, "to be pinned");
    expect((await api("PUT", targetPath(target, "/pin"), ownerToken, { commentId: pinned.id })).status).toBe(200);
    expect(await edit(target, author, pinned.id, "changed after")).toMatchObject({ status: 409, body: { error: { code: "edit_locked" } } });

    for (let n = 1; n <= MAX_EDITS; n++) expect((await edit(target, author, posted.id, `version ${n + 1}`)).status).toBe(200);
    expect(await edit(target, author, posted.id, "one more")).toMatchObject({ status: 409, body: { error: { code: "edit_limit" } } });
    expect(await versionsStored(target, posted.id)).toBe(MAX_EDITS);

    expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { editWindowMinutes: 0 })).status).toBe(200);
    const fresh = await comment(target, author, "fresh");
    expect(await edit(target, author, fresh.id, "fresher")).toMatchObject({ status: 403, body: { error: { code: "edits_disabled" } } });
    expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { editWindowMinutes: 61 })).status).toBe(400);
  });

  it("passes the checks a new comment passes: empty, the filter, bans", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { filter: "reject" })).status).toBe(200);
    const author = uniqueUser("author");
    const posted = await comment(target, author, "clean");
    expect(await edit(target, author, posted.id, "   ")).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(await edit(target, author, posted.id, "you are a fucking idiot")).toMatchObject({ status: 400, body: { error: { code: "text_rejected" } } });
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: author })).status).toBe(201);
    expect(await edit(target, author, posted.id, "let me fix it")).toMatchObject({ status: 403, body: { error: { code: "banned" } } });
    expect((await api("GET", targetPath(target, `/comments/${posted.id}`), null)).body).toMatchObject({ text: "clean" });
  });

  it("stops once the comment may be on its way to the archive", async () => {
    const target = uniqueTarget("post");
    const author = uniqueUser("author");
    const posted = await comment(target, author, "soon archived");
    // The test retention is 100 and pages are 100 comments: 200 held make the oldest page due.
    const now = Date.now();
    for (let i = 0; i < 198; i++) await insertCommentRow(target, { authorId: uniqueUser("crowd"), text: `crowd ${i}`, createdAt: now + i + 1 });
    expect((await edit(target, author, posted.id, "still in time")).status).toBe(200);
    await insertCommentRow(target, { authorId: uniqueUser("crowd"), text: "the last straw", createdAt: now + 500 });
    expect(await edit(target, author, posted.id, "too late now")).toMatchObject({ status: 409, body: { error: { code: "edit_closed" } } });
  });

  it("keeps no version once the comment is deleted or its author erased", async () => {
    const target = uniqueTarget("post");
    const author = uniqueUser("author");
    const deleted = await comment(target, author, "to delete");
    const erased = await comment(target, author, "to erase");
    for (const c of [deleted, erased]) expect((await edit(target, author, c.id, `${c.text}, edited`)).status).toBe(200);
    expect(await versionsStored(target, deleted.id)).toBe(1);
    expect((await api("DELETE", targetPath(target, `/comments/${deleted.id}`), await tokenFor(author))).status).toBe(200);
    expect(await versionsStored(target, deleted.id)).toBe(0);
    expect((await api("GET", targetPath(target, `/comments/${deleted.id}/edits`), await tokenFor(author))).status).toBe(404);
    await roomStub(target).forgetUser({ target, userId: author });
    expect(await versionsStored(target, erased.id)).toBe(0);
  });
});
