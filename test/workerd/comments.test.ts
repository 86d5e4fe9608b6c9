import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Comment, MAX_COMMENT_LENGTH } from "../../protocol/comments";
import { StatsResponse } from "../../protocol/likes";
import { call, getJson, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { comment, deleteComment, listComments, postComment } from "./comment-helpers";
import { emptyD1Comments, settleArchive } from "./archive-helpers";
import { LiveSocket } from "./live-socket";
import { waitFor } from "./wait";
import { lakeRowsOf } from "./lake-helpers";

describe("posting comments", () => {
  it("answers 201 with the stored comment, its author from the token and its mentions", async () => {
    const target = uniqueTarget("stream");
    const author = uniqueUser();
    const res = await postComment(target, author, { text: "  hello @alice and @bob.  ping @alice  " });
    expect(res.status).toBe(201);
    const body = Comment.parse(await res.json());
    expect(body).toMatchObject({
      target,
      author: { id: author, name: `Name ${author}` },
      text: "hello @alice and @bob.  ping @alice",
      mentions: ["alice", "bob"],
      replyTo: null,
      reactions: {},
      replies: 0,
      deleted: false,
    });
    expect(body.seq).toBe(1);
    expect(Date.parse(body.createdAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("keeps an XSS payload as inert text, exactly as sent", async () => {
    const target = uniqueTarget("stream");
    const payload = `<img src=x onerror="alert(1)"><script>alert('x')</script> &amp; "quotes"`;
    const posted = await comment(target, uniqueUser(), payload);
    expect(posted.text).toBe(payload);
    const page = await listComments(target);
    expect(page.items[0]!.text).toBe(payload);
    const raw = await call(`/v1/targets/${target}/comments`);
    expect(raw.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("counts length in characters people see: 500 emoji pass, 501 do not, blank is refused", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    expect((await postComment(target, user, { text: "🎉".repeat(MAX_COMMENT_LENGTH) })).status).toBe(201);
    const tooLong = await postComment(target, user, { text: "🎉".repeat(MAX_COMMENT_LENGTH + 1) });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    expect((await postComment(target, user, { text: "   \n\t " })).status).toBe(400);
    expect((await postComment(target, user, { text: "\u202eevil\u0000" })).status).toBe(201);
  });

  it("refuses a comment without a token, with unknown fields, or replying to nothing", async () => {
    const target = uniqueTarget("stream");
    const anonymous = await call(`/v1/targets/${target}/comments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "hi" }),
    });
    expect(anonymous.status).toBe(401);
    expect((await postComment(target, uniqueUser(), { text: "hi", author: "someone-else" } as never)).status).toBe(400);
    const orphan = await postComment(target, uniqueUser(), { text: "hi", replyTo: "0000000000000000000000" });
    expect(orphan.status).toBe(404);
    expect(((await orphan.json()) as { error: { code: string } }).error.code).toBe("comment_not_found");
    expect((await getJson(`/v1/targets/${target}/stats`)).body.comments).toBe(0);
  });

  it("posts once when retried with the same Idempotency-Key, and refuses the key for other text", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    const key = { "Idempotency-Key": crypto.randomUUID() };
    const first = Comment.parse(await (await postComment(target, user, { text: "only once" }, key)).json());
    const retry = await postComment(target, user, { text: "only once" }, key);
    expect(retry.status).toBe(201);
    expect(Comment.parse(await retry.json()).id).toBe(first.id);
    const other = await postComment(target, user, { text: "something else" }, key);
    expect(other.status).toBe(422);
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([first.id]);
  });

  it("gives ids that sort by time", async () => {
    const target = uniqueTarget("stream");
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await comment(target, uniqueUser(), `n${i}`)).id);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe("replies", () => {
  it("threads one level deep: a reply to a reply attaches to the root", async () => {
    const target = uniqueTarget("stream");
    const root = await comment(target, uniqueUser(), "root");
    const reply = await comment(target, uniqueUser(), "reply", root.id);
    const nested = await comment(target, uniqueUser(), "reply to reply", reply.id);
    expect(reply.replyTo).toBe(root.id);
    expect(nested.replyTo).toBe(root.id);

    const top = await listComments(target);
    expect(top.items.map((item) => item.id)).toEqual([root.id]);
    expect(top.items[0]!.replies).toBe(2);
    const thread = await listComments(target, { replyTo: root.id });
    expect(thread.items.map((item) => item.text)).toEqual(["reply to reply", "reply"]);
  });
});

/** The cursor the API hands out for "after this comment". */
function cursorFor(id: string): string {
  return btoa(JSON.stringify({ before: id })).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

describe("live comments", () => {
  it("delivers new comments to every viewer in the room's order", async () => {
    const target = uniqueTarget("stream");
    const sockets = await Promise.all([LiveSocket.open(target), LiveSocket.open(target), LiveSocket.open(target)]);
    for (const socket of sockets) await socket.next("hello");
    const posted = await Promise.all(Array.from({ length: 20 }, (_, i) => comment(target, uniqueUser(), `live ${i}`)));
    const bySeq = [...posted].sort((a, b) => a.seq - b.seq).map((c) => c.id);
    for (const socket of sockets) {
      await socket.next("event", () => socket.of("event").length === 20);
      const received = socket.of("event").map((frame) => (frame.event.kind === "comment" ? frame.event.comment.id : null));
      expect(received).toEqual(bySeq);
      const seqs = socket.of("event").map((frame) => frame.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      socket.close();
    }
  });

  it("posts from a socket frame, acks it, and posts a resent frame once", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    const socket = await LiveSocket.open(target, { token: await tokenFor(user, { name: "Sock" }) });
    await socket.next("hello");
    socket.send({ type: "comment", id: "c-1", text: "from a socket" });
    const ack = await socket.next("ack", (frame) => frame.id === "c-1");
    expect(ack.comment).toMatchObject({ text: "from a socket", author: { id: user, name: "Sock" } });
    socket.send({ type: "comment", id: "c-1", text: "from a socket" });
    await socket.next("ack", () => socket.of("ack").length === 2);
    expect(socket.of("ack")[1]!.comment!.id).toBe(ack.comment!.id);
    expect((await listComments(target)).items).toHaveLength(1);

    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    viewer.send({ type: "comment", id: "c-2", text: "no token" });
    expect((await viewer.next("error", (frame) => frame.id === "c-2")).error.code).toBe("unauthorized");
    socket.send({ type: "comment", id: "c-3", text: "  " });
    expect((await socket.next("error", (frame) => frame.id === "c-3")).error.code).toBe("invalid_request");
    socket.close();
    viewer.close();
  });

  it("sends a tombstone to viewers when the author deletes, and the comment leaves history and counts", { timeout: 15_000 }, async () => {
    const target = uniqueTarget("stream");
    const author = uniqueUser();
    const kept = await comment(target, uniqueUser(), "stays");
    const gone = await comment(target, author, "goes");
    const socket = await LiveSocket.open(target);
    const hello = await socket.next("hello");
    expect(hello.comments).toBe(2);

    expect((await deleteComment(target, uniqueUser(), gone.id)).status).toBe(403);
    const res = await deleteComment(target, author, gone.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: gone.id, deleted: true });
    const tombstone = await socket.next("event", (frame) => frame.event.kind === "comment_deleted");
    expect(tombstone.event).toEqual({ kind: "comment_deleted", id: gone.id, replyTo: null });
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([kept.id]);
    expect((await call(`/v1/targets/${target}/comments/${gone.id}`)).status).toBe(404);
    expect((await deleteComment(target, author, gone.id)).status).toBe(404);
    await waitFor(
      async () => StatsResponse.parse(await (await call(`/v1/targets/${target}/stats`)).json()).comments,
      (n) => n === 1,
      5_000,
      "stats comment count",
    );
    socket.close();
  });

  it("replays missed comments to a socket that reconnects with since", async () => {
    const target = uniqueTarget("stream");
    const first = await comment(target, uniqueUser(), "before");
    const missed = [await comment(target, uniqueUser(), "missed 1"), await comment(target, uniqueUser(), "missed 2")];
    const socket = await LiveSocket.open(target, { since: first.seq });
    const hello = await socket.next("hello");
    expect(hello.replay).toBe(2);
    await socket.next("event", () => socket.of("event").length === 2);
    expect(socket.of("event").map((frame) => (frame.event.kind === "comment" ? frame.event.comment.text : null))).toEqual(
      missed.map((c) => c.text),
    );
    expect(socket.of("event").every((frame) => frame.replay)).toBe(true);
    socket.close();
  });
});

describe("comments in the event pipeline", () => {
  it("queues comment_create and comment_delete events into the event lake", { timeout: 20_000 }, async () => {
    const target = uniqueTarget("stream");
    const author = uniqueUser();
    const posted = await comment(target, author, "counted");
    await deleteComment(target, author, posted.id);
    const stored = await waitFor(() => lakeRowsOf(target), (rows) => rows.length === 2, 10_000, "comment events in the event lake");
    // The lake names the author by their pseudonym (one per user), never by the id.
    const pseudonym = stored[0]?.user;
    expect(pseudonym).toEqual(expect.any(String));
    expect(pseudonym).not.toBe(author);
    expect(stored.map((row) => [row.type, row.user, row.commentId])).toEqual([
      ["comment_create", pseudonym, posted.id],
      ["comment_delete", pseudonym, posted.id],
    ]);
  });
});

// Last: its 500 comments keep the event queue busy for a while, which the pipeline test above
// would otherwise wait behind.
describe("paging", () => {
  it("pages through 500 comments newest first without gaps or duplicates, into the R2 archive", async () => {
    const target = uniqueTarget("stream");
    const posted: string[] = [];
    const authors = new Map<string, string>();
    for (let batch = 0; batch < 50; batch++) {
      // Ten at a time: one author posts at most five in this test.
      const ids = await Promise.all(
        Array.from({ length: 10 }, (_, i) => comment(target, `pager-${(batch * 10 + i) % 100}`, `comment ${batch * 10 + i}`)),
      );
      posted.push(...ids.map((c) => c.id));
      for (const c of ids) authors.set(c.id, c.author.id!);
    }
    await settleArchive(target);
    // Nothing below may come from the legacy D1 copy.
    await emptyD1Comments();
    const kept = await runInDurableObject(roomStub(target), (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comments").one().n,
    );
    expect(kept).toBeLessThan(500);
    expect(kept).toBe(Number(env.COMMENT_RETENTION));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listComments(target, cursor === null ? { limit: 37 } : { limit: 37, before: cursor });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(500);
    expect(new Set(seen).size).toBe(500);
    expect(seen).toEqual([...posted].sort().reverse());
    expect((await getJson(`/v1/targets/${target}/stats`)).body.comments).toBe(500);

    // An archived comment can still be deleted, and disappears from the archive's pages: at
    // once through the room's overlay, and for good once its page is rewritten.
    const oldest = seen.at(-1)!;
    const author = authors.get(oldest)!;
    expect((await deleteComment(target, author, oldest)).status).toBe(200);
    const beforeRewrite = await listComments(target, { limit: 100, before: cursorFor(seen.at(-50)!) });
    expect(beforeRewrite.items.map((item) => item.id)).not.toContain(oldest);
    await settleArchive(target);
    await emptyD1Comments();
    const lastPage = await listComments(target, { limit: 100, before: cursorFor(seen.at(-50)!) });
    expect(lastPage.items.map((item) => item.id)).not.toContain(oldest);
    expect(lastPage.items).toHaveLength(48);
    expect((await getJson(`/v1/targets/${target}/stats`)).body.comments).toBe(499);
  }, 120_000);

  it("refuses a forged cursor and a limit out of range", async () => {
    const target = uniqueTarget("stream");
    expect((await call(`/v1/targets/${target}/comments?before=not-a-cursor`)).status).toBe(400);
    expect((await call(`/v1/targets/${target}/comments?limit=101`)).status).toBe(400);
    expect((await call(`/v1/targets/${target}/comments?limit=0`)).status).toBe(400);
  });
});
