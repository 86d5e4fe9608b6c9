import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { StatsResponse } from "../../protocol/likes";
import { archivePageKey } from "../../durable-objects/comments/comment-archive";
import { call, uniqueTarget, uniqueUser } from "./helpers";
import { waitFor } from "./wait";
import { comment, deleteComment, listComments } from "./comment-helpers";
import { allTopLevel, archiveObjects, emptyD1Comments, postMany, roomArchiveState, settleArchive } from "./archive-helpers";
import { requestDeletion, waitForCompletion } from "./deletion-helpers";
import { roomTablesMentioning } from "./traces";

const RETENTION = Number(env.COMMENT_RETENTION);

async function visibleComments(target: string): Promise<number> {
  return StatsResponse.parse(await (await call(`/v1/targets/${target}/stats`)).json()).comments;
}

describe("the R2 comment archive", () => {
  it("archives comments and tombstones to R2 pages once they leave the window", { timeout: 60_000 }, async () => {
    const target = uniqueTarget("stream");
    const author = uniqueUser();
    const kept = await comment(target, author, "archived text");
    const removed = await comment(target, author, "removed text");
    await deleteComment(target, author, removed.id);
    await postMany(target, 198);
    await settleArchive(target);
    expect(await roomArchiveState(target)).toMatchObject({ window: RETENTION, pages: 1 });
    const pages = [...(await archiveObjects(target)).values()];
    expect(pages).toHaveLength(1);
    const rows = pages[0]!.comments.filter((row) => row.id === kept.id || row.id === removed.id);
    expect(rows.map(({ id, text, deleted_at, author_id }) => ({ id, text, deleted_at, author_id }))).toEqual([
      { id: kept.id, text: "archived text", deleted_at: null, author_id: author },
      { id: removed.id, text: "", deleted_at: expect.any(Number), author_id: null },
    ]);
  });

  it("pages an archived root's replies from R2 with D1 emptied, and counts a deleted archived reply at once", { timeout: 60_000 }, async () => {
    const target = uniqueTarget("stream");
    const root = await comment(target, uniqueUser(), "old root");
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push({ author: uniqueUser(), id: "" });
    for (const [i, reply] of replies.entries()) reply.id = (await comment(target, reply.author, `reply ${i}`, root.id)).id;
    expect((await deleteComment(target, replies[0]!.author, replies[0]!.id)).status).toBe(200);
    await postMany(target, 200);
    await settleArchive(target);
    await emptyD1Comments();

    const thread = await listComments(target, { replyTo: root.id, limit: 10 });
    expect(thread.items.map((item) => item.text)).toEqual(["reply 3", "reply 2", "reply 1"]);
    const oldest = (await listComments(target, { limit: 100, before: btoaCursor(replies[3]!.id) })).items;
    expect(oldest.at(-1)).toMatchObject({ id: root.id, replies: 3 });

    // The reply is in R2 only; its deletion shows in the very next read, count included.
    expect((await deleteComment(target, replies[2]!.author, replies[2]!.id)).status).toBe(200);
    expect((await listComments(target, { replyTo: root.id, limit: 10 })).items.map((item) => item.text)).toEqual(["reply 3", "reply 1"]);
    const rootNow = (await listComments(target, { limit: 100, before: btoaCursor(replies[3]!.id) })).items.at(-1);
    expect(rootNow).toMatchObject({ id: root.id, replies: 2 });
    expect(await visibleComments(target)).toBe(1 + 2 + 200);
  });

  it("keeps every comment in the window while R2 refuses a page, and writes it once R2 takes it", { timeout: 90_000 }, async () => {
    const target = uniqueTarget("stream");
    const posted = await postMany(target, RETENTION * 2 - 1);
    // The first page will be the oldest 100 by id; something else already holds its key.
    const firstPage = [...posted].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, 100);
    const seqs = firstPage.map((c) => c.seq);
    const key = archivePageKey(target, { first_seq: Math.min(...seqs), last_seq: Math.max(...seqs), version: 1 });
    await env.COMMENT_ARCHIVE.put(key, "not a page of this room");
    posted.push(...(await postMany(target, 1, "last")));

    // The job (due 500 ms after the comment) fails on that key: nothing leaves the window and
    // the job waits for its retry.
    // A finished attempt either records the page or moves the job's due time by its backoff.
    const dueAt = (await roomArchiveState(target)).jobDueAt;
    expect(dueAt).not.toBeNull();
    await waitFor(() => roomArchiveState(target), (state) => state.pages > 0 || state.jobDueAt !== dueAt, 20_000, "an attempt of the archive job");
    expect(await roomArchiveState(target)).toMatchObject({ window: RETENTION * 2, pages: 0, jobDue: true });
    expect(await (await env.COMMENT_ARCHIVE.get(key))!.text()).toBe("not a page of this room");
    await emptyD1Comments();
    expect(await allTopLevel(target)).toEqual(posted.map((c) => c.id).sort().reverse());

    await env.COMMENT_ARCHIVE.delete(key);
    await settleArchive(target);
    expect(await roomArchiveState(target)).toMatchObject({ window: RETENTION, pages: 1 });
    const stored = await archiveObjects(target);
    expect([...stored.keys()]).toEqual([key]);
    expect(stored.get(key)!.comments.map((row) => row.id)).toEqual(firstPage.map((c) => c.id));
    await emptyD1Comments();
    expect(await allTopLevel(target)).toEqual(posted.map((c) => c.id).sort().reverse());
    expect(await visibleComments(target)).toBe(RETENTION * 2);
  });

  it("hides an archived comment deleted by a moderator or its author at once, and rewrites its page without the text", { timeout: 90_000 }, async () => {
    const target = uniqueTarget("stream");
    const author = uniqueUser("author");
    const secret = `secret ${crypto.randomUUID()}`;
    const ownWords = `own words ${crypto.randomUUID()}`;
    const moderated = await comment(target, uniqueUser("rude"), secret);
    const retracted = await comment(target, author, ownWords);
    await postMany(target, 200);
    await settleArchive(target);
    const [firstVersion] = [...(await archiveObjects(target)).keys()];
    expect(firstVersion).toMatch(/\/v1\.json$/);

    expect((await deleteComment(target, uniqueUser(), moderated.id)).status).toBe(403);
    expect((await deleteComment(target, uniqueUser("mod"), moderated.id, ["admin"])).status).toBe(200);
    expect((await deleteComment(target, author, retracted.id)).status).toBe(200);
    expect((await deleteComment(target, author, retracted.id)).status).toBe(404);
    await emptyD1Comments();
    const seen = await allTopLevel(target, 100);
    expect(seen).toHaveLength(200);
    expect(seen).not.toContain(moderated.id);
    expect(seen).not.toContain(retracted.id);
    expect(await visibleComments(target)).toBe(200);

    await settleArchive(target);
    const objects = await archiveObjects(target);
    // One object per page: the new version replaced the old one.
    expect([...objects.keys()]).toEqual([firstVersion!.replace(/\/v1\.json$/, "/v2.json")]);
    const text = JSON.stringify([...objects.values()]);
    for (const gone of [secret, ownWords, author]) expect(text).not.toContain(gone);
    const page = [...objects.values()][0]!;
    expect(page.comments.find((row) => row.id === moderated.id)).toMatchObject({ text: "", author_id: null, deleted_at: expect.any(Number) });
    expect(await allTopLevel(target, 100)).toEqual(seen);
  });

  it("takes author and text off an erased user's archived comments, in reads and in R2", { timeout: 120_000 }, async () => {
    const target = uniqueTarget("stream");
    const leaver = uniqueUser("forgotten");
    const stayer = uniqueUser("stayer");
    const secret = `mine ${crypto.randomUUID()}`;
    const own = await comment(target, leaver, secret);
    const reply = await comment(target, stayer, "a reply that stays", own.id);
    await postMany(target, 200);
    await settleArchive(target);
    expect(JSON.stringify([...(await archiveObjects(target)).values()])).toContain(leaver);

    const { receipt } = await requestDeletion(leaver);
    await waitForCompletion(leaver, receipt.receiptId);
    await emptyD1Comments();
    const seen = await allTopLevel(target, 100);
    expect(seen).not.toContain(own.id);
    expect(seen).toHaveLength(200);
    expect((await listComments(target, { replyTo: own.id })).items.map((item) => item.id)).toEqual([reply.id]);

    await settleArchive(target);
    const text = JSON.stringify([...(await archiveObjects(target)).values()]);
    expect(text).not.toContain(leaver);
    expect(text).not.toContain(secret);
    expect(text).toContain(stayer);
    expect(await roomTablesMentioning(target, leaver)).toEqual([]);
  });
});

function btoaCursor(id: string): string {
  return btoa(JSON.stringify({ before: id })).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
