import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Comment, CommentsPage } from "../../protocol/comments";
import { HeldComment, HeldPageResponse, HeldResolution } from "../../protocol/held";
import { ModLogResponse, type SettingsPatch } from "../../protocol/moderation";
import type { TargetRoom } from "../../durable-objects/target-room";
import type { RoomParts } from "../../durable-objects/room/room-parts";
import type { Audience } from "../../durable-objects/write-path/audience";
import { hasLink } from "../../durable-objects/moderation/hold-rules";
import { call, eventually, roomStub, tokenFor, uniqueTarget, uniqueUser, uniqueText } from "./helpers";
import { comment, listComments, postComment } from "./comment-helpers";
import { LiveSocket } from "./live-socket";
import { api, audienceSockets, fakeCommentId, insertCommentRow, registerAs, targetPath } from "./moderation-helpers";
import { MAX_HELD_PER_AUTHOR } from "../../durable-objects/comments/held-comments";

async function room(settings?: SettingsPatch, suspect: string[] = []) {
  const target = uniqueTarget("stream");
  const owner = uniqueUser("owner");
  const ownerToken = await registerAs(target, owner);
  if (settings) expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, settings)).status).toBe(200);
  if (suspect.length > 0) expect((await api("PUT", targetPath(target, "/terms"), ownerToken, { blocked: [], suspect })).status).toBe(200);
  return { target, owner, ownerToken };
}

/** Posts as `userId`; answers the status and the parsed held comment or comment. */
async function post(target: string, userId: string, text: string, extra: { replyTo?: string; key?: string } = {}) {
  const res = await postComment(
    target,
    userId,
    { text, ...(extra.replyTo === undefined ? {} : { replyTo: extra.replyTo }) },
    extra.key === undefined ? {} : { "idempotency-key": extra.key },
  );
  const body: unknown = await res.json();
  return { status: res.status, body };
}

async function held(target: string, userId: string, text: string, extra: { replyTo?: string; key?: string } = {}): Promise<HeldComment> {
  const answer = await post(target, userId, text, extra);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return HeldComment.parse(answer.body);
}

async function queue(target: string, token: string, query = "") {
  const answer = await api("GET", targetPath(target, `/held${query}`), token);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return HeldPageResponse.parse(answer.body);
}

async function decide(target: string, token: string, id: string, outcome: "approve" | "deny", body?: unknown) {
  return api("POST", targetPath(target, `/comments/${id}/${outcome}`), token, body);
}

async function snapshotComments(target: string): Promise<number> {
  return (await roomStub(target).snapshot(target)).comments;
}

/** The room's parts, as its corridors reach them (durable-objects/room/room-core.ts). */
function partsOf(room: TargetRoom): RoomParts {
  return (room as unknown as { core: { parts(): RoomParts } }).core.parts();
}

type Stamped = { kind: string; audience: Audience | undefined };
const stamps = (events: readonly { event: { kind: string }; audience?: Audience }[]): Stamped[] =>
  events.map((entry) => ({ kind: entry.event.kind, audience: entry.audience }));

describe("held comments", () => {
  it("holds a comment with a suspect term: 202, outside pages, counts, replies, top and GET by id", async () => {
    const { target, ownerToken } = await room(undefined, ["crypto"]);
    const author = uniqueUser("author");
    const parent = await comment(target, uniqueUser(), "a parent");
    const before = await snapshotComments(target);

    const pending = await held(target, author, "buy CRYPTO now");
    expect(pending).toMatchObject({ held: true, heldFor: "suspect_term", text: "buy CRYPTO now", author: { id: author } });
    const reply = await held(target, author, "crypto reply", { replyTo: parent.id });
    expect(reply.replyTo).toBe(parent.id);

    expect((await listComments(target)).items.map((item) => item.id)).toEqual([parent.id]);
    expect((await listComments(target, { replyTo: parent.id })).items).toEqual([]);
    expect(await snapshotComments(target)).toBe(before);
    const parentNow = await api("GET", targetPath(target, `/comments/${parent.id}`), null);
    expect(Comment.parse(parentNow.body).replies).toBe(0);
    for (const id of [pending.id, reply.id]) {
      const read = await api("GET", targetPath(target, `/comments/${id}`), null);
      expect(read.status).toBe(404);
    }
    const top = await api("GET", targetPath(target, "/comments/top"), null);
    expect(JSON.stringify(top.body)).not.toContain("crypto");
    // The moderators read it in the queue; a moderator's own comment is never held.
    expect((await queue(target, ownerToken)).items.map((item) => item.id)).toEqual([pending.id, reply.id]);
    const owners = await api("POST", targetPath(target, "/comments"), ownerToken, { text: "crypto, said the owner" });
    expect(owners.status).toBe(201);
  });

  it("holds every comment of a non-moderator under pre-moderation", async () => {
    const { target, ownerToken } = await room({ premoderation: true });
    expect((await held(target, uniqueUser(), "hello there")).heldFor).toBe("premoderation");
    expect((await api("POST", targetPath(target, "/comments"), ownerToken, { text: "welcome" })).status).toBe(201);
    expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { premoderation: false })).status).toBe(200);
    expect((await post(target, uniqueUser(), "hello again")).status).toBe(201);
  });

  it("holds a link from a user whose first write here is under newcomerLinkMinutes old, and only a link", async () => {
    const { target } = await room({ newcomerLinkMinutes: 10 });
    const newcomer = uniqueUser("new");
    expect((await held(target, newcomer, "see example.com/deal")).heldFor).toBe("newcomer_link");
    expect((await post(target, newcomer, "no link here.Really")).status).toBe(201);
    // Their first write is now seconds old: still a newcomer.
    expect((await held(target, newcomer, "https://spam.test/x")).heldFor).toBe("newcomer_link");
    const regular = uniqueUser("regular");
    await insertCommentRow(target, { authorId: regular, createdAt: Date.now() - 11 * 60_000 });
    expect((await post(target, regular, "see example.com/deal")).status).toBe(201);
  });

  it("finds links in the forms spam takes, and not in ordinary sentences", () => {
    for (const text of ["https://x.test/a", "go to www.example", "EXAMPLE.COM", "ｅｘａｍｐｌｅ．ｃｏｍ", "(bit.ly/abc)", "sub.domain.co/x?y=1", "ftp://files"]) {
      expect(hasLink(text), text).toBe(true);
    }
    for (const text of ["end of it.Next one", "e.g. this", "version 1.2.3", "mail me at ana@example.com", "a.b", "nothing"]) {
      expect(hasLink(text), text).toBe(false);
    }
  });

  it("hides a published comment once K distinct users reported it, and approving puts it back under its own id", async () => {
    const { target, owner, ownerToken } = await room({ hideAfterReports: 2 });
    const author = uniqueUser("author");
    const reported = await comment(target, author, "a contested opinion");
    const ownersOwn = await api("POST", targetPath(target, "/comments"), ownerToken, { text: "the owner speaks" });
    const reportAs = async (commentId: string, reporter: string) =>
      (await api("POST", targetPath(target, `/comments/${commentId}/report`), await tokenFor(reporter), { reason: "rude" })).status;
    const first = uniqueUser("r1");
    expect(await reportAs(reported.id, first)).toBe(201);
    expect(await reportAs(reported.id, first)).toBeLessThan(300);
    expect((await listComments(target)).items.map((item) => item.id)).toContain(reported.id);
    expect(await reportAs(reported.id, uniqueUser("r2"))).toBe(201);

    expect((await listComments(target)).items.map((item) => item.id)).not.toContain(reported.id);
    expect((await api("GET", targetPath(target, `/comments/${reported.id}`), null)).status).toBe(404);
    expect(await snapshotComments(target)).toBe(1);
    const waiting = (await queue(target, ownerToken)).items;
    expect(waiting).toMatchObject([{ id: reported.id, heldFor: "reports", text: "a contested opinion" }]);

    // A moderator's comment is never hidden, however many report it.
    const ownersId = Comment.parse(ownersOwn.body).id;
    for (const reporter of [uniqueUser(), uniqueUser()]) await reportAs(ownersId, reporter);
    expect((await listComments(target)).items.map((item) => item.id)).toContain(ownersId);

    const approved = await decide(target, ownerToken, reported.id, "approve");
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(HeldResolution.parse(approved.body).comment).toMatchObject({ id: reported.id, seq: reported.seq, text: reported.text });
    expect((await listComments(target)).items.map((item) => item.id)).toContain(reported.id);
    expect(await snapshotComments(target)).toBe(2);
    // Its reports were decided: one more does not hide it again.
    expect(await reportAs(reported.id, uniqueUser("r3"))).toBe(201);
    expect((await listComments(target)).items.map((item) => item.id)).toContain(reported.id);
    expect(owner).toBeTruthy();
  });

  it("lets the triage remove a hidden comment: the reports close, the queue drops it", async () => {
    const { target, ownerToken } = await room({ hideAfterReports: 1 });
    const reported = await comment(target, uniqueUser("author"), "hidden, then removed by triage");
    expect(reported.author.id).not.toBeNull();
    expect((await api("POST", targetPath(target, `/comments/${reported.id}/report`), await tokenFor(uniqueUser()), { reason: "rude" })).status).toBe(201);
    const resolved = await api("POST", targetPath(target, `/reports/${reported.id}/resolve`), ownerToken, { action: "remove" });
    expect(resolved).toMatchObject({ status: 200, body: { commentId: reported.id, action: "remove", resolved: 1, removed: true } });
    expect((await queue(target, ownerToken)).items).toEqual([]);
    expect((await api("GET", targetPath(target, "/reports/by-comment"), ownerToken)).body).toMatchObject({ groups: [] });
    const log = ModLogResponse.parse((await api("GET", targetPath(target, "/modlog"), ownerToken)).body);
    expect(log.entries[0]).toMatchObject({ action: "report_remove", userId: reported.author.id, commentId: reported.id });
    // Gone for good: no page, no read by id, nothing left to approve or resolve.
    expect((await listComments(target)).items).toEqual([]);
    expect((await api("GET", targetPath(target, `/comments/${reported.id}`), null)).status).toBe(404);
    expect((await decide(target, ownerToken, reported.id, "approve")).status).toBe(404);
    expect((await api("POST", targetPath(target, `/reports/${reported.id}/resolve`), ownerToken, { action: "dismiss" })).status).toBe(404);
  });

  it("restores a hidden comment when the triage dismisses its reports: its own id, everyone told, the reports closed, the dismissal logged", async () => {
    const { target, ownerToken } = await room({ hideAfterReports: 2 });
    const author = uniqueUser("author");
    const reported = await comment(target, author, "hidden, then cleared by triage");
    const reader = await LiveSocket.open(target);
    await reader.next("hello");
    for (const reporter of [uniqueUser("r1"), uniqueUser("r2")]) {
      expect((await api("POST", targetPath(target, `/comments/${reported.id}/report`), await tokenFor(reporter), { reason: "rude" })).status).toBe(201);
    }
    await reader.next("event", (frame) => frame.event.kind === "comment_deleted" && frame.event.id === reported.id);
    expect((await queue(target, ownerToken)).items.map((item) => [item.id, item.heldFor])).toEqual([[reported.id, "reports"]]);

    const resolved = await api("POST", targetPath(target, `/reports/${reported.id}/resolve`), ownerToken, { action: "dismiss", reason: "fair comment" });
    expect(resolved).toMatchObject({ status: 200, body: { commentId: reported.id, action: "dismiss", resolved: 2, removed: false } });
    const back = await reader.next("event", (frame) => frame.event.kind === "comment" && frame.event.comment.id === reported.id);
    expect(back.event).toMatchObject({ comment: { id: reported.id, seq: reported.seq, text: reported.text } });
    reader.close();
    expect((await queue(target, ownerToken)).items).toEqual([]);
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([reported.id]);
    expect((await api("GET", targetPath(target, `/comments/${reported.id}`), null)).status).toBe(200);
    expect(await snapshotComments(target)).toBe(1);
    expect((await api("GET", targetPath(target, "/reports/by-comment"), ownerToken)).body).toMatchObject({ groups: [] });
    const log = ModLogResponse.parse((await api("GET", targetPath(target, "/modlog"), ownerToken)).body);
    expect(log.entries.map((entry) => entry.action)).not.toContain("approve");
    expect(log.entries[0]).toMatchObject({ action: "report_dismiss", userId: author, commentId: reported.id, reason: "fair comment", detail: "2 reports" });
    // Its reports were closed: one more report does not hide it again.
    expect((await api("POST", targetPath(target, `/comments/${reported.id}/report`), await tokenFor(uniqueUser("r3")), { reason: "rude" })).status).toBe(201);
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([reported.id]);
  });

  it("refuses to approve a hidden comment back below pages the archive wrote meanwhile; deny still removes it", async () => {
    const { target, ownerToken } = await room({ hideAfterReports: 1 });
    const reported = await comment(target, uniqueUser("author"), "reported, then archived past");
    expect((await api("POST", targetPath(target, `/comments/${reported.id}/report`), await tokenFor(uniqueUser()), { reason: "rude" })).status).toBe(201);
    expect((await queue(target, ownerToken)).items.map((item) => item.id)).toEqual([reported.id]);
    // As if the archive had written a page past it while it waited (comment-archive.ts).
    await runInDurableObject(roomStub(target), (_room, state) => {
      state.storage.sql.exec("INSERT INTO comment_archive_pages (page, first_id, last_id, first_seq, last_seq, version, size) VALUES (0, ?, ?, 0, 0, 1, 0)", "0", `${reported.id}~`);
    });
    expect((await decide(target, ownerToken, reported.id, "approve")).body).toMatchObject({ error: { code: "archived_past" } });
    // Dismissing its reports cannot bring it back either, and leaves them open.
    const dismissed = await api("POST", targetPath(target, `/reports/${reported.id}/resolve`), ownerToken, { action: "dismiss" });
    expect(dismissed).toMatchObject({ status: 409, body: { error: { code: "archived_past" } } });
    expect((await api("GET", targetPath(target, "/reports/by-comment"), ownerToken)).body).toMatchObject({ groups: [{ commentId: reported.id, count: 1 }] });
    expect((await decide(target, ownerToken, reported.id, "deny")).status).toBe(200);
    expect((await queue(target, ownerToken)).items).toEqual([]);
  });

  it("keeps slow mode across held comments, and at most 20 waiting per author", async () => {
    const slow = await room({ premoderation: true, slowModeSeconds: 60 });
    const author = uniqueUser("author");
    await held(slow.target, author, "first");
    expect(await post(slow.target, author, "second")).toMatchObject({ status: 429, body: { error: { code: "slow_mode" } } });

    const { target } = await room({ premoderation: true });
    const flooder = uniqueUser("flooder");
    await held(target, flooder, "the first of many");
    // The per-minute budget (10) would stop the flood first; the waiting rows are written directly.
    await runInDurableObject(roomStub(target), (_room, state) => {
      for (let i = 1; i < MAX_HELD_PER_AUTHOR; i++) {
        state.storage.sql.exec(
          "INSERT INTO held_comments (id, author_id, author_name, text, mentions, reply_to, created_at, held_at, held_for, published) VALUES (?, ?, 'F', ?, '[]', NULL, 0, 0, 'premoderation', NULL)",
          fakeCommentId(),
          flooder,
          `waiting ${i}`,
        );
      }
    });
    expect(await post(target, flooder, "one too many")).toMatchObject({ status: 429, body: { error: { code: "too_many_held" } } });
    expect((await post(target, uniqueUser(), "someone else")).status).toBe(202);
  });

  it("pages the queue oldest first with a cursor, for moderators only", async () => {
    const { target, ownerToken } = await room({ premoderation: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await held(target, uniqueUser(), `waiting ${i}`)).id);
    const first = await queue(target, ownerToken, "?limit=2");
    expect(first.items.map((item) => item.id)).toEqual(ids.slice(0, 2));
    const second = await queue(target, ownerToken, `?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(second.items.map((item) => item.id)).toEqual(ids.slice(2, 4));
    const third = await queue(target, ownerToken, `?limit=2&cursor=${encodeURIComponent(second.nextCursor!)}`);
    expect(third).toEqual({ items: [expect.objectContaining({ id: ids[4] })], nextCursor: null });

    const viewer = await api("GET", targetPath(target, "/held"), await tokenFor(uniqueUser()));
    expect(viewer).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect((await call(targetPath(target, "/held"))).status).toBe(401);
    expect((await api("GET", targetPath(target, "/held?cursor=nope"), ownerToken)).status).toBe(400);
    expect((await decide(target, await tokenFor(uniqueUser()), ids[0]!, "approve")).status).toBe(403);
    expect((await decide(target, await tokenFor(uniqueUser()), ids[0]!, "deny")).status).toBe(403);
  });

  it("approves with a new id and seq newer than comments posted meanwhile, into GET comments, and logs it", async () => {
    const { target, owner, ownerToken } = await room(undefined, ["crypto"]);
    const author = uniqueUser("author");
    const pending = await held(target, author, "crypto talk");
    const meanwhile = await comment(target, uniqueUser(), "posted while it waited");

    const approved = await decide(target, ownerToken, pending.id, "approve", { reason: "fine in context" });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const { comment: published, outcome, heldId } = HeldResolution.parse(approved.body);
    expect({ outcome, heldId }).toEqual({ outcome: "approved", heldId: pending.id });
    expect(published).not.toBeNull();
    expect(published!.id).not.toBe(pending.id);
    expect(published!.id > meanwhile.id).toBe(true);
    expect(published!.seq).toBeGreaterThan(meanwhile.seq);
    expect(published).toMatchObject({ text: "crypto talk", author: { id: author } });

    expect((await listComments(target)).items.map((item) => item.id)).toEqual([published!.id, meanwhile.id]);
    expect(await snapshotComments(target)).toBe(2);
    expect((await queue(target, ownerToken)).items).toEqual([]);
    expect((await decide(target, ownerToken, pending.id, "approve")).status).toBe(404);

    const log = ModLogResponse.parse((await api("GET", targetPath(target, "/modlog"), ownerToken)).body);
    expect(log.entries[0]).toMatchObject({ moderator: owner, action: "approve", userId: author, commentId: published!.id, reason: "fine in context", detail: "suspect_term" });
  });

  it("denies: the comment never appears, the queue drops it, the mod log keeps no text and replay shows only the outcome", async () => {
    const { target, owner, ownerToken } = await room({ premoderation: true });
    const author = uniqueUser("author");
    const secret = uniqueText("denied words");
    const pending = await held(target, author, secret);

    const denied = await decide(target, ownerToken, pending.id, "deny", { reason: "off topic" });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);
    expect(HeldResolution.parse(denied.body)).toEqual({ heldId: pending.id, outcome: "denied", comment: null });
    expect((await listComments(target)).items).toEqual([]);
    expect((await queue(target, ownerToken)).items).toEqual([]);
    expect((await decide(target, ownerToken, pending.id, "approve")).status).toBe(404);
    const log = ModLogResponse.parse((await api("GET", targetPath(target, "/modlog"), ownerToken)).body);
    expect(log.entries[0]).toMatchObject({ moderator: owner, action: "deny", userId: author, commentId: pending.id, reason: "off topic", detail: "premoderation" });
    expect(JSON.stringify(log)).not.toContain(secret);

    // The author replays the history and sees the held event turned into its outcome; a reader
    // who is neither the author nor a moderator replays none of it (write-path/audience.ts).
    const replayed = async (token?: string) => {
      const socket = await LiveSocket.open(target, { since: 0, ...(token === undefined ? {} : { token }) });
      const hello = await socket.next("hello");
      await eventually(async () => expect(socket.of("event").length).toBeGreaterThanOrEqual(hello.replay));
      socket.close();
      return socket;
    };
    const mine = await replayed(await tokenFor(author));
    const kinds = mine.of("event").map((frame) => frame.event.kind);
    expect(kinds.filter((kind) => kind === "held_resolved")).toHaveLength(2);
    expect(kinds).not.toContain("held");
    expect(JSON.stringify(mine.frames)).not.toContain(secret);
    const reader = await replayed(await tokenFor(uniqueUser("reader")));
    expect(reader.of("event").map((frame) => frame.event.kind).filter((kind) => kind === "held" || kind === "held_resolved")).toEqual([]);
    const anonymous = await replayed();
    expect(anonymous.of("event").map((frame) => frame.event.kind).filter((kind) => kind === "held" || kind === "held_resolved")).toEqual([]);
  });

  it("sends a held comment live to its author and the moderators only, and its publication to everyone", async () => {
    const { target, ownerToken } = await room({ premoderation: true });
    const author = uniqueUser("author");
    const { moderator, mine, reader, anonymous, sockets } = await audienceSockets(target, ownerToken, await tokenFor(author));
    const pending = await held(target, author, "wait for it");
    const heldFrame = (frame: { event: { kind: string } }) => frame.event.kind === "held";
    await moderator.next("event", heldFrame);
    await mine.next("event", heldFrame);
    expect((await decide(target, ownerToken, pending.id, "approve")).status).toBe(200);
    // Everyone gets the publication; only the author and moderators ever saw it waiting.
    for (const socket of sockets) await socket.next("event", (frame) => frame.event.kind === "comment");
    await mine.next("event", (frame) => frame.event.kind === "held_resolved");
    for (const socket of [reader, anonymous]) {
      expect(socket.of("event").map((frame) => frame.event.kind).filter((kind) => kind === "held" || kind === "held_resolved" || kind === "modlog")).toEqual([]);
      expect(JSON.stringify(socket.frames)).not.toContain(pending.id);
    }
    for (const socket of sockets) socket.close();
  });

  it("answers a retried create with the same Idempotency-Key with the same held comment, held once", async () => {
    const { target, ownerToken } = await room({ premoderation: true });
    const author = uniqueUser("author");
    const first = await held(target, author, "only once", { key: "k-1" });
    const again = await held(target, author, "only once", { key: "k-1" });
    expect(again).toEqual(first);
    expect((await queue(target, ownerToken)).items).toHaveLength(1);
  });

  it("says held in the socket's ack", async () => {
    const { target } = await room({ premoderation: true });
    const author = uniqueUser("author");
    const socket = await LiveSocket.open(target, { token: await tokenFor(author) });
    await socket.next("hello");
    socket.send({ type: "comment", id: "frame-1", text: "from the socket" });
    const ack = await socket.next("ack");
    socket.close();
    expect(ack.comment).toBeUndefined();
    expect(ack.held).toMatchObject({ held: true, heldFor: "premoderation", text: "from the socket", author: { id: author } });
  });

  it("treats deleting a held comment as a denial by a moderator, a withdrawal by its author, and unknown to anyone else", async () => {
    const { target, ownerToken } = await room({ premoderation: true });
    const author = uniqueUser("author");
    const byModerator = await held(target, author, "first");
    const byAuthor = await held(target, author, "second");
    expect((await api("DELETE", targetPath(target, `/comments/${byAuthor.id}`), await tokenFor(uniqueUser()))).status).toBe(404);
    expect((await api("DELETE", targetPath(target, `/comments/${byModerator.id}`), ownerToken)).status).toBe(200);
    expect((await api("DELETE", targetPath(target, `/comments/${byAuthor.id}`), await tokenFor(author))).status).toBe(200);
    expect((await queue(target, ownerToken)).items).toEqual([]);
    const log = ModLogResponse.parse((await api("GET", targetPath(target, "/modlog"), ownerToken)).body);
    expect(log.entries.filter((entry) => entry.action === "deny").map((entry) => entry.commentId)).toEqual([byModerator.id]);
  });

  it("erases a user's held comments with the user", async () => {
    const { target, ownerToken } = await room({ premoderation: true });
    const author = uniqueUser("author");
    const other = await held(target, uniqueUser(), "stays");
    await held(target, author, "goes with its author");
    await roomStub(target).forgetUser({ target, userId: author });
    expect((await queue(target, ownerToken)).items.map((item) => item.id)).toEqual([other.id]);
  });

  it("holds an edit like a comment: viewers keep the current text until a moderator approves it", async () => {
    const { target, ownerToken } = await room(undefined, ["crypto"]);
    const author = uniqueUser("author");
    const authorToken = await tokenFor(author);
    const original = await comment(target, author, "plain words");
    const edit = (id: string, text: string) => api("PATCH", targetPath(target, `/comments/${id}`), authorToken, { text });

    const pending = await edit(original.id, "crypto words");
    expect(pending.status, JSON.stringify(pending.body)).toBe(202);
    expect(HeldComment.parse(pending.body)).toMatchObject({ editOf: original.id, text: "crypto words", heldFor: "suspect_term", replyTo: null });
    expect(Comment.parse((await api("GET", targetPath(target, `/comments/${original.id}`), null)).body).text).toBe("plain words");
    expect((await edit(original.id, "more crypto")).body).toMatchObject({ error: { code: "edit_pending" } });

    const heldId = HeldComment.parse(pending.body).id;
    const approved = await decide(target, ownerToken, heldId, "approve");
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(HeldResolution.parse(approved.body).comment).toMatchObject({ id: original.id, seq: original.seq, text: "crypto words" });
    const now = Comment.parse((await api("GET", targetPath(target, `/comments/${original.id}`), null)).body);
    expect(now).toMatchObject({ text: "crypto words", editedAt: expect.any(String) });
    const history = await api("GET", targetPath(target, `/comments/${original.id}/edits`), authorToken);
    expect(history.body).toMatchObject({ versions: [{ version: 1, text: "plain words" }] });

    // Denied, the comment keeps its text; deleted, its waiting edit goes with it.
    const second = HeldComment.parse((await edit(original.id, "crypto again")).body);
    expect((await decide(target, ownerToken, second.id, "deny")).status).toBe(200);
    expect(Comment.parse((await api("GET", targetPath(target, `/comments/${original.id}`), null)).body).text).toBe("crypto words");
    await edit(original.id, "crypto thrice");
    expect((await queue(target, ownerToken)).items).toHaveLength(1);
    expect((await api("DELETE", targetPath(target, `/comments/${original.id}`), authorToken)).status).toBe(200);
    expect((await queue(target, ownerToken)).items).toEqual([]);
  });

  it("stamps every event it emits with its audience: the author for the queue, everyone for a publication", async () => {
    const { target } = await room({ premoderation: true, hideAfterReports: 1 });
    const author = uniqueUser("author");
    const actor = { userId: author, name: "A", roles: [] };
    const admin = { userId: uniqueUser("admin"), name: "M", roles: ["admin"] };
    await runInDurableObject(roomStub(target), (instance: TargetRoom) => {
      const parts = partsOf(instance);
      const now = Date.now();
      const hold = parts.writes.transact((log) => parts.comments.create(log, { target, actor, text: "pending" }, now));
      expect(stamps(hold.log.events)).toEqual([{ kind: "held", audience: { user: author } }]);
      const heldId = hold.value.ok ? hold.value.value.id : "";
      const approve = parts.writes.transact((log) => parts.comments.held.approve(log, target, admin, heldId, undefined, now, 5_000));
      expect(approve.value.ok).toBe(true);
      expect(stamps(approve.log.events)).toEqual([
        { kind: "comment", audience: undefined },
        { kind: "held_resolved", audience: { user: author } },
        { kind: "modlog", audience: "moderators" },
      ]);
      const published = approve.value.ok ? approve.value.value.comment!.id : "";
      const hide = parts.writes.transact((log) => parts.comments.hideReported(log, target, published, 5_000, now));
      expect(hide.value).toBe(true);
      expect(stamps(hide.log.events)).toEqual([
        { kind: "comment_deleted", audience: undefined },
        { kind: "held", audience: { user: author } },
      ]);
      const deny = parts.writes.transact((log) => parts.comments.held.deny(log, target, admin, published, undefined, now));
      expect(stamps(deny.log.events)).toEqual([
        { kind: "held_resolved", audience: { user: author } },
        { kind: "modlog", audience: "moderators" },
      ]);
    });
  });
});
