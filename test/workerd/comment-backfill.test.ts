import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CommentArchiveBackfillReport } from "../../protocol/comment-backfill";
import type { Comment } from "../../protocol/comments";
import { subjectKey } from "../../workers/subject-key";
import { allTopLevel, archiveObjects, postMany, roomArchiveState, settleArchive } from "./archive-helpers";
import { comment, deleteComment } from "./comment-helpers";
import { postJson, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { requestDeletion, waitForCompletion } from "./deletion-helpers";

/**
 * What a room looked like before issue 17 once its window was trimmed: its oldest `n` comments
 * exist only as D1 `comments` rows (the checkpoint's copies), the room keeps the rest and
 * `archive_before`, and its visible count still includes the trimmed ones.
 */
async function trimIntoD1(target: string, n: number): Promise<void> {
  const rows = await runInDurableObject(roomStub(target), (_room, state) => {
    const sql = state.storage.sql;
    const oldest = sql.exec<Record<string, string | number | null>>("SELECT * FROM comments ORDER BY id LIMIT ?", n).toArray();
    const cut = sql.exec<{ id: string }>("SELECT id FROM comments ORDER BY id LIMIT 1 OFFSET ?", n).one().id;
    sql.exec("DELETE FROM comments WHERE id < ?", cut);
    sql.exec("INSERT INTO room_meta (key, value) VALUES ('archive_before', ?)", cut);
    return oldest;
  });
  await env.DB.batch(
    rows.map((row) =>
      env.DB.prepare(
        `INSERT INTO comments (id, target, seq, author_id, author_name, text, mentions, reply_to, created_at, deleted_at, highlighted, replies, reactions)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`,
      ).bind(row.id, target, row.seq, row.author_id, row.author_name, row.text, row.mentions, row.reply_to, row.created_at, row.deleted_at, row.highlighted, row.replies),
    ),
  );
}

/** Backfills from the start until done. */
async function backfillAll(): Promise<number> {
  let moved = 0;
  let cursor: string | undefined;
  for (;;) {
    const report = await backfill(cursor === undefined ? { limit: 50 } : { cursor, limit: 50 });
    moved += report.commentsMoved;
    if (report.done) return moved;
    cursor = report.nextCursor!;
  }
}

async function backfill(body: { cursor?: string; limit?: number }) {
  const res = await postJson("/v1/admin/backfill/comment-archive", body, { token: await tokenFor(uniqueUser("admin"), { roles: ["admin"] }) });
  expect(res.status).toBe(200);
  return CommentArchiveBackfillReport.parse(await res.json());
}

/** A completed deletion receipt, as workers/deletion/ leaves one: no user id, only the subject key. */
async function completedDeletion(userId: string): Promise<void> {
  const key = await subjectKey(env.SUBJECT_KEY_SECRET!, userId);
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO deletion_receipts (id, subject_key, user_id, status, targets_total, targets_done, created_at, updated_at, completed_at)
     VALUES (?, ?, NULL, 'completed', 0, 0, ?, ?, ?)`,
  )
    .bind(crypto.randomUUID(), key, now, now, now)
    .run();
}

const newestFirst = (comments: readonly Comment[]) => comments.map((item) => item.id).sort((a, b) => (a < b ? 1 : -1));

describe("backfill of the legacy D1 comment archive into R2", () => {
  it("moves two targets' D1-only history into their rooms' R2 archives in resumed calls, pages it in order, and a rerun moves nothing", { timeout: 120_000 }, async () => {
    const big = uniqueTarget("stream");
    const small = uniqueTarget("stream");
    const gone = uniqueUser("erased");
    const author = uniqueUser("author");

    // The big target: 120 old comments (one deleted by its author, one by a user whose
    // deletion completed), 110 of them trimmed into D1, then 200 newer ones, of which the
    // room's own archive job has since written one page to R2.
    const erasedOne = await comment(big, gone, "text of a forgotten user");
    const deletedOne = await comment(big, author, "deleted before the move");
    expect((await deleteComment(big, author, deletedOne.id)).status).toBe(200);
    const oldBig = [erasedOne, ...(await postMany(big, 117, "old"))];
    await trimIntoD1(big, 110);
    const newBig = await postMany(big, 200, "new");
    await settleArchive(big);
    expect(await roomArchiveState(big)).toMatchObject({ pages: 1 });
    await completedDeletion(gone);
    // The small target: 15 comments, 12 of them trimmed into D1.
    const oldSmall = await postMany(small, 15, "small");
    await trimIntoD1(small, 12);

    const expectedBig = newestFirst([...oldBig.filter((item) => item.id !== erasedOne.id), ...newBig]);
    const expectedSmall = newestFirst(oldSmall);
    // Before the backfill a reader sees only what the room holds.
    expect(await allTopLevel(small)).toEqual(expectedSmall.slice(0, 3));
    expect((await allTopLevel(big)).length).toBeLessThan(expectedBig.length);

    const first = await backfill({ limit: 1 });
    expect(first).toMatchObject({ done: false, targetsVisited: 1 });
    expect(first.d1Queries).toBeLessThan(50);
    const second = await backfill({ cursor: first.nextCursor!, limit: 50 });
    expect(second).toMatchObject({ done: true, nextCursor: null });
    // 110 + 12 comments, the deleted one as a tombstone; the forgotten user's as an anonymous one.
    expect(first.commentsMoved + second.commentsMoved).toBe(122);
    expect(first.commentsErased + second.commentsErased).toBe(1);
    expect(first.pagesWritten + second.pagesWritten).toBe(3);

    // The public paging route walks the whole history, newest first, without gaps or repeats.
    expect(await allTopLevel(big)).toEqual(expectedBig);
    expect(await allTopLevel(big, 100)).toEqual(expectedBig);
    expect(await allTopLevel(small)).toEqual(expectedSmall);
    // Nothing of the forgotten user reached R2; the deleted comment is a tombstone there.
    const pages = [...(await archiveObjects(big)).values()];
    expect(JSON.stringify(pages)).not.toContain(gone);
    expect(JSON.stringify(pages)).not.toContain("text of a forgotten user");
    const tombstone = pages.flatMap((page) => page.comments).find((row) => row.id === deletedOne.id);
    expect(tombstone).toMatchObject({ text: "", author_id: null, deleted_at: expect.any(Number) });
    // A moved comment is the room's own now: its author can delete it.
    const movedOne = oldBig[5]!;
    expect((await deleteComment(big, movedOne.author.id!, movedOne.id)).status).toBe(200);
    expect(await allTopLevel(big)).toEqual(expectedBig.filter((id) => id !== movedOne.id));

    const objects = (await archiveObjects(big)).size + (await archiveObjects(small)).size;
    const rerun = await backfill({ limit: 50 });
    expect(rerun).toMatchObject({ commentsMoved: 0, pagesWritten: 0 });
    expect((await archiveObjects(big)).size + (await archiveObjects(small)).size).toBe(objects);
  });

  it("a later deletion of a user known only to the legacy archive erases their moved comments, in reads and in R2", { timeout: 90_000 }, async () => {
    const target = uniqueTarget("stream");
    const legacy = uniqueUser("legacy");
    const own = await comment(target, uniqueUser("stand-in"), "written before issue 17 by the legacy user");
    await postMany(target, 5, "later");
    // The comment was written before users' own objects existed: only the room and D1 name its
    // author, so the user's index knows nothing of this target.
    await runInDurableObject(roomStub(target), (_room, state) => {
      state.storage.sql.exec("UPDATE comments SET author_id = ?, author_name = ? WHERE id = ?", legacy, `Name ${legacy}`, own.id);
    });
    await trimIntoD1(target, 3);
    expect(await backfillAll()).toBeGreaterThanOrEqual(3);
    expect(await allTopLevel(target)).toContain(own.id);

    const { receipt } = await requestDeletion(legacy);
    await waitForCompletion(legacy, receipt.receiptId);
    expect(await allTopLevel(target)).not.toContain(own.id);
    await settleArchive(target);
    const pages = JSON.stringify([...(await archiveObjects(target)).values()]);
    expect(pages).toContain(own.id);
    expect(pages).not.toContain(legacy);
    expect(pages).not.toContain("written before issue 17");
  });

  it("answers 403 without the admin role and 400 for a cursor it never gave", async () => {
    const plain = await postJson("/v1/admin/backfill/comment-archive", {}, { token: await tokenFor(uniqueUser()) });
    expect(plain.status).toBe(403);
    const forged = await postJson("/v1/admin/backfill/comment-archive", { cursor: "bm90LWEtY3Vyc29y" }, { token: await tokenFor(uniqueUser(), { roles: ["admin"] }) });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: { code: "invalid_cursor" } });
  });
});
