import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Comment } from "../../protocol/comments";
import { HeldPageResponse, HeldResolution } from "../../protocol/held";
import { ReactionResult } from "../../protocol/reactions";
import { relayName } from "../../protocol/internal/relay-rpc";
import type { RecentEvents } from "../../durable-objects/relays/recent-events";
import { ModLogResponse, Restriction, RestrictionsResponse } from "../../protocol/moderation";
import { call, eventually, postJson, roomStub, tokenFor, uniqueTarget, uniqueUser, uniqueText } from "./helpers";
import { comment, listComments, postComment } from "./comment-helpers";
import { LiveSocket } from "./live-socket";
import { api, audienceSockets, registerAs, targetPath } from "./moderation-helpers";

async function restrictedRoom() {
  const target = uniqueTarget("stream");
  const owner = uniqueUser("owner");
  const ownerToken = await registerAs(target, owner);
  const restricted = uniqueUser("troll");
  const answer = await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: restricted, reason: "spam" });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { target, owner, ownerToken, restricted };
}

/** Posts as `userId` and answers the status and comment, as the author's client would read them. */
async function post(target: string, userId: string, text: string, replyTo?: string) {
  const res = await postComment(target, userId, { text, ...(replyTo === undefined ? {} : { replyTo }) });
  const body: unknown = await res.json();
  return { status: res.status, comment: Comment.parse(body) };
}

const count = async (target: string) => (await roomStub(target).snapshot(target)).comments;

/** Opens a socket with `since: 0` and answers it once the replay arrived. */
async function replayed(target: string, token?: string) {
  const socket = await LiveSocket.open(target, { since: 0, ...(token === undefined ? {} : { token }) });
  const hello = await socket.next("hello");
  await eventually(async () => expect(socket.of("event").length).toBeGreaterThanOrEqual(hello.replay));
  socket.close();
  return socket;
}

describe("restrictions (shadow-hide)", () => {
  it("restricts, lists and lifts for moderators only, in the mod log, and never a moderator", async () => {
    const { target, owner, ownerToken, restricted } = await restrictedRoom();
    const list = RestrictionsResponse.parse((await api("GET", targetPath(target, "/restrictions"), ownerToken)).body);
    expect(list).toMatchObject({ restrictions: [{ userId: restricted, reason: "spam", by: owner }], nextCursor: null });
    const stranger = await tokenFor(uniqueUser("stranger"));
    expect((await api("GET", targetPath(target, "/restrictions"), stranger)).status).toBe(403);
    expect((await api("POST", targetPath(target, "/restrictions"), stranger, { userId: uniqueUser() })).status).toBe(403);
    expect((await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: owner })).body).toMatchObject({ error: { code: "is_moderator" } });

    const lifted = await api("DELETE", targetPath(target, `/restrictions/${encodeURIComponent(restricted)}`), ownerToken);
    expect(lifted.body).toEqual({ userId: restricted, lifted: true });
    expect((await api("DELETE", targetPath(target, `/restrictions/${encodeURIComponent(restricted)}`), ownerToken)).body).toEqual({ userId: restricted, lifted: false });
    const log = ModLogResponse.parse((await api("GET", targetPath(target, "/modlog"), ownerToken)).body);
    expect(log.entries.slice(0, 2).map((entry) => [entry.action, entry.userId])).toEqual([
      ["unrestrict", restricted],
      ["restrict", restricted],
    ]);
    expect(log.entries[1]!.reason).toBe("spam");
    // Lifted: the next comment is public again.
    const after = await post(target, restricted, "back in public");
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([after.comment.id]);
  });

  it("answers the restricted author 201 with an ordinary comment that no page, count, reply count, top list or GET by id has", async () => {
    const { target, ownerToken, restricted } = await restrictedRoom();
    const parent = await comment(target, uniqueUser(), "a parent");
    const before = await count(target);
    const own = await post(target, restricted, "nobody hears this");
    expect(own.status).toBe(201);
    expect(own.comment).toMatchObject({ text: "nobody hears this", author: { id: restricted }, deleted: false, replies: 0 });
    const reply = await post(target, restricted, "nor this", parent.id);
    expect(reply.status).toBe(201);

    expect((await listComments(target)).items.map((item) => item.id)).toEqual([parent.id]);
    expect((await listComments(target, { replyTo: parent.id })).items).toEqual([]);
    expect(await count(target)).toBe(before);
    expect(Comment.parse((await api("GET", targetPath(target, `/comments/${parent.id}`), null)).body).replies).toBe(0);
    for (const id of [own.comment.id, reply.comment.id]) expect((await api("GET", targetPath(target, `/comments/${id}`), null)).status).toBe(404);
    expect(JSON.stringify((await api("GET", targetPath(target, "/comments/top"), null)).body)).not.toContain("nobody hears");
    // The moderators find them in the queue, where one may be approved for everyone.
    const queue = HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body);
    expect(queue.items.map((item) => [item.id, item.heldFor])).toEqual([
      [own.comment.id, "restricted"],
      [reply.comment.id, "restricted"],
    ]);
  });

  it("sends the comment live and on replay to its author and the moderators only, never to a reader or an anonymous socket", async () => {
    const { target, ownerToken, restricted } = await restrictedRoom();
    const authorToken = await tokenFor(restricted);
    const readerToken = await tokenFor(uniqueUser("reader"));
    const { moderator, mine, reader, anonymous, sockets } = await audienceSockets(target, ownerToken, authorToken);
    const secret = uniqueText("shadowed");
    const { comment: shadowed } = await post(target, restricted, secret);
    const isIt = (frame: { event: { kind: string } }) => frame.event.kind === "comment" && JSON.stringify(frame).includes(shadowed.id);
    await moderator.next("event", isIt);
    await mine.next("event", isIt);
    // A public comment after it: once the reader has it, the shadowed one would have come first.
    const marker = await comment(target, uniqueUser(), "public marker");
    for (const socket of [reader, anonymous]) {
      await socket.next("event", (frame) => JSON.stringify(frame).includes(marker.id));
      expect(JSON.stringify(socket.frames)).not.toContain(secret);
    }
    for (const socket of sockets) socket.close();

    expect(JSON.stringify((await replayed(target, authorToken)).frames)).toContain(secret);
    expect(JSON.stringify((await replayed(target, ownerToken)).frames)).toContain(secret);
    for (const token of [readerToken, undefined]) {
      const socket = await replayed(target, token);
      expect(JSON.stringify(socket.frames)).toContain(marker.id);
      expect(JSON.stringify(socket.frames)).not.toContain(secret);
    }
  });

  it("lets a moderator remove a shadowed comment; its author reads a deletion, as for any comment", async () => {
    const { target, ownerToken, restricted } = await restrictedRoom();
    const { comment: shadowed } = await post(target, restricted, "remove me");
    const mine = await LiveSocket.open(target, { token: await tokenFor(restricted) });
    await mine.next("hello");
    expect((await api("DELETE", targetPath(target, `/comments/${shadowed.id}`), ownerToken)).status).toBe(200);
    const deleted = await mine.next("event", (frame) => frame.event.kind === "comment_deleted");
    expect(JSON.stringify(deleted)).toContain(shadowed.id);
    mine.close();
    expect(HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items).toEqual([]);
  });

  it("approves a restricted author's comment without a word of a hold to them: their copy makes way for the published one, the moderators hear the decision", async () => {
    const { target, ownerToken, restricted } = await restrictedRoom();
    const authorToken = await tokenFor(restricted);
    const { moderator, mine, reader, anonymous, sockets } = await audienceSockets(target, ownerToken, authorToken);
    const { comment: shadowed } = await post(target, restricted, uniqueText("approve me"));
    await mine.next("event", (frame) => frame.event.kind === "comment" && frame.event.comment.id === shadowed.id);

    const approval = await api("POST", targetPath(target, `/comments/${shadowed.id}/approve`), ownerToken);
    expect(approval.status, JSON.stringify(approval.body)).toBe(200);
    const published = HeldResolution.parse(approval.body).comment!;
    expect(published).toMatchObject({ text: shadowed.text, author: { id: restricted } });
    expect(published.id).not.toBe(shadowed.id);
    expect((await moderator.next("event", (frame) => frame.event.kind === "held_resolved")).event).toMatchObject({ heldId: shadowed.id, outcome: "approved" });
    const marker = await comment(target, uniqueUser(), "public marker");
    for (const socket of sockets) await socket.next("event", (frame) => frame.event.kind === "comment" && frame.event.comment.id === marker.id);

    // The author's page: their copy goes as a deletion, the published comment comes as any comment does.
    const about = (socket: LiveSocket) =>
      socket.of("event").flatMap((frame) => {
        const { event } = frame;
        if (event.kind === "comment" && event.comment.id !== marker.id) return [[event.kind, event.comment.id]];
        if (event.kind === "comment_deleted") return [[event.kind, event.id]];
        return event.kind === "held_resolved" ? [[event.kind, event.heldId]] : [];
      });
    expect(about(mine)).toEqual([
      ["comment", shadowed.id],
      ["comment", published.id],
      ["comment_deleted", shadowed.id],
    ]);
    for (const socket of [reader, anonymous]) expect(about(socket)).toEqual([["comment", published.id]]);
    expect(about(moderator)).toContainEqual(["held_resolved", shadowed.id]);
    for (const socket of sockets) socket.close();

    // Nor does a reconnect tell: no resolution replayed, and the hello's `yours` no longer has the copy.
    const again = await replayed(target, authorToken);
    expect(again.of("event").filter((frame) => frame.event.kind === "held_resolved")).toEqual([]);
    expect(JSON.stringify(again.of("hello")[0]!.yours ?? null)).not.toContain(shadowed.id);
    const page = (await listComments(target)).items.map((item) => item.id);
    expect(page).toContain(published.id);
    expect(page).not.toContain(shadowed.id);
  });

  it("shadows a restricted user's edit of a comment from before the restriction: shown to them as published, held for the moderators, applied on approval", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const author = uniqueUser("later");
    const authorToken = await tokenFor(author);
    const earlier = await comment(target, author, "said before");
    expect((await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: author })).status).toBe(201);
    const { moderator, mine, reader, anonymous, sockets } = await audienceSockets(target, ownerToken, authorToken);

    const secret = uniqueText("shadow edit");
    const answer = await api("PATCH", targetPath(target, `/comments/${earlier.id}`), authorToken, { text: secret });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const shown = Comment.parse(answer.body);
    expect(shown).toMatchObject({ id: earlier.id, seq: earlier.seq, text: secret, editedAt: expect.any(String) });
    const isEdit = (frame: { event: { kind: string } }) => frame.event.kind === "comment" && JSON.stringify(frame).includes(secret);
    expect((await mine.next("event", isEdit)).event).toMatchObject({ comment: { id: earlier.id, text: secret, editedAt: shown.editedAt } });
    await moderator.next("event", isEdit);
    const marker = await comment(target, uniqueUser(), "public marker");
    for (const socket of [reader, anonymous]) {
      await socket.next("event", (frame) => JSON.stringify(frame).includes(marker.id));
      expect(JSON.stringify(socket.frames)).not.toContain(secret);
    }

    // Everyone else keeps the published version: pages, reads by id, the edits history, replays.
    expect((await listComments(target)).items.find((item) => item.id === earlier.id)).toMatchObject({ text: "said before" });
    const read = Comment.parse((await api("GET", targetPath(target, `/comments/${earlier.id}`), null)).body);
    expect(read.text).toBe("said before");
    expect(read.editedAt).toBeUndefined();
    expect(JSON.stringify((await api("GET", targetPath(target, `/comments/${earlier.id}/edits`), authorToken)).body)).not.toContain(secret);
    expect(JSON.stringify((await replayed(target, await tokenFor(uniqueUser("reader")))).frames)).not.toContain(secret);
    expect(JSON.stringify((await replayed(target)).frames)).not.toContain(secret);
    expect(JSON.stringify((await replayed(target, authorToken)).frames)).toContain(secret);

    // The moderators find it in the queue; a second edit replaces it there.
    const again = `${secret}, again`;
    expect((await api("PATCH", targetPath(target, `/comments/${earlier.id}`), authorToken, { text: again })).body).toMatchObject({ text: again });
    const queue = HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body);
    expect(queue.items).toMatchObject([{ heldFor: "restricted", editOf: earlier.id, text: again }]);

    // Approved, it is the comment's text for everyone; the author hears no decision.
    const approved = await api("POST", targetPath(target, `/comments/${queue.items[0]!.id}/approve`), ownerToken);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await reader.next("event", (frame) => frame.event.kind === "comment" && frame.event.comment.text === again);
    await moderator.next("event", (frame) => frame.event.kind === "held_resolved");
    const after = await comment(target, uniqueUser(), "second marker");
    await mine.next("event", (frame) => JSON.stringify(frame).includes(after.id));
    expect(mine.of("event").filter((frame) => frame.event.kind === "held_resolved")).toEqual([]);
    for (const socket of sockets) socket.close();
    expect((await listComments(target)).items.find((item) => item.id === earlier.id)).toMatchObject({ text: again });
    expect(HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items).toEqual([]);
  });

  it("keeps a shadowed edit from relayed readers, live and in the relay's recent events", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const res = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
      body: JSON.stringify({ threshold: 1, perRelay: 10 }),
    });
    expect(res.status).toBe(200);
    const author = uniqueUser("later");
    const authorToken = await tokenFor(author);
    const first = await LiveSocket.open(target);
    await first.next("hello");
    const [mine, reader] = [await LiveSocket.open(target, { token: authorToken }), await LiveSocket.open(target)];
    for (const socket of [mine, reader]) await socket.next("hello");
    const relay = env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, 0)));
    expect((await relay.stats()).sockets).toBe(2);
    // Published before the restriction, so the relay keeps its event to catch joining sockets up.
    const earlier = await comment(target, author, "said before");
    await reader.next("event", (frame) => JSON.stringify(frame).includes(earlier.id));
    expect((await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: author })).status).toBe(201);

    const secret = uniqueText("relayed shadow edit");
    expect((await api("PATCH", targetPath(target, `/comments/${earlier.id}`), authorToken, { text: secret })).status).toBe(200);
    const marker = await comment(target, uniqueUser(), "public marker");
    for (const socket of [mine, reader]) await socket.next("event", (frame) => JSON.stringify(frame).includes(marker.id));
    expect(JSON.stringify(mine.frames)).toContain(secret);
    expect(JSON.stringify(reader.frames)).not.toContain(secret);
    // What a socket joining this relay is caught up from (relays/recent-events.ts): the
    // published text, never the edit only its author was shown.
    const recent = await runInDurableObject(relay, (instance) => (instance as unknown as { recent: RecentEvents }).recent.after(0));
    expect(JSON.stringify(recent)).toContain(marker.id);
    expect(JSON.stringify(recent?.filter((entry) => entry.audience === undefined))).not.toContain(secret);
    for (const socket of [first, mine, reader]) socket.close();
  });

  it("drops a denied shadowed edit without a word to its author: everyone keeps the published text", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const author = uniqueUser("later");
    const authorToken = await tokenFor(author);
    const earlier = await comment(target, author, "said before");
    expect((await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: author })).status).toBe(201);
    expect((await api("PATCH", targetPath(target, `/comments/${earlier.id}`), authorToken, { text: "rewritten in the shadow" })).status).toBe(200);
    const [held] = HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items;
    expect(held).toMatchObject({ heldFor: "restricted", editOf: earlier.id });
    const { moderator, mine, sockets } = await audienceSockets(target, ownerToken, authorToken);

    expect((await api("POST", targetPath(target, `/comments/${held!.id}/deny`), ownerToken, { reason: "no" })).status).toBe(200);
    await moderator.next("event", (frame) => frame.event.kind === "held_resolved" && frame.event.heldId === held!.id);
    const marker = await comment(target, uniqueUser(), "public marker");
    await mine.next("event", (frame) => JSON.stringify(frame).includes(marker.id));
    expect(mine.of("event").map((frame) => frame.event.kind)).toEqual(["comment"]);
    for (const socket of sockets) socket.close();
    expect(HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items).toEqual([]);
    expect((await listComments(target)).items.find((item) => item.id === earlier.id)).toMatchObject({ text: "said before" });
  });

  it("drops a waiting shadowed edit quietly once its author edits again unrestricted, or deletes the comment", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const author = uniqueUser("later");
    const authorToken = await tokenFor(author);
    const [kept, deleted] = [await comment(target, author, "kept"), await comment(target, author, "deleted later")];
    const path = `/restrictions/${encodeURIComponent(author)}`;
    expect((await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: author })).status).toBe(201);
    for (const c of [kept, deleted]) expect((await api("PATCH", targetPath(target, `/comments/${c.id}`), authorToken, { text: `${c.text}, in the shadow` })).status).toBe(200);
    const queued = async () => HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items.map((item) => item.editOf);
    expect(await queued()).toEqual([kept.id, deleted.id]);
    const { mine, sockets } = await audienceSockets(target, ownerToken, authorToken);

    expect((await api("DELETE", targetPath(target, `/comments/${deleted.id}`), authorToken)).status).toBe(200);
    expect(await queued()).toEqual([kept.id]);
    expect((await api("DELETE", targetPath(target, path), ownerToken)).body).toMatchObject({ lifted: true });
    expect((await api("PATCH", targetPath(target, `/comments/${kept.id}`), authorToken, { text: "kept, in public" })).status).toBe(200);
    expect(await queued()).toEqual([]);
    expect((await listComments(target)).items.find((item) => item.id === kept.id)).toMatchObject({ text: "kept, in public" });
    await mine.next("event", (frame) => frame.event.kind === "comment" && frame.event.comment.text === "kept, in public");
    expect(mine.of("event").filter((frame) => frame.event.kind === "held_resolved")).toEqual([]);
    for (const socket of sockets) socket.close();
  });

  it("lets a restricted author edit their shadowed comment as if it were published, seen by them and the moderators only", async () => {
    const { target, ownerToken, restricted } = await restrictedRoom();
    const authorToken = await tokenFor(restricted);
    const { comment: shadowed } = await post(target, restricted, "first draft");
    const { moderator, mine, reader, sockets } = await audienceSockets(target, ownerToken, authorToken);

    const secret = uniqueText("shadow rewrite");
    const answer = await api("PATCH", targetPath(target, `/comments/${shadowed.id}`), authorToken, { text: secret });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(Comment.parse(answer.body)).toMatchObject({ id: shadowed.id, seq: shadowed.seq, text: secret, editedAt: expect.any(String) });
    const isEdit = (frame: { event: { kind: string } }) => frame.event.kind === "comment" && JSON.stringify(frame).includes(secret);
    expect((await mine.next("event", isEdit)).event).toMatchObject({ comment: { id: shadowed.id, seq: shadowed.seq } });
    await moderator.next("event", isEdit);
    const marker = await comment(target, uniqueUser(), "public marker");
    await reader.next("event", (frame) => JSON.stringify(frame).includes(marker.id));
    expect(JSON.stringify(reader.frames)).not.toContain(secret);
    for (const socket of sockets) socket.close();

    expect(HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items).toMatchObject([{ id: shadowed.id, heldFor: "restricted", text: secret }]);
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([marker.id]);
    // Anyone else, moderators included, finds no such comment to edit.
    for (const token of [await tokenFor(uniqueUser("other")), ownerToken]) {
      expect((await api("PATCH", targetPath(target, `/comments/${shadowed.id}`), token, { text: "hijack" })).status).toBe(404);
    }
  });

  it("never restricts what a restricted user posted before", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const user = uniqueUser("later");
    const earlier = await comment(target, user, "said before");
    const restriction = await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: user });
    expect(Restriction.parse(restriction.body).reason).toBeNull();
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([earlier.id]);
  });

  it("keeps a restriction through the user's erasure under a keyed hash; a moderator who knows the id lifts it", async () => {
    const { target, ownerToken, restricted } = await restrictedRoom();
    await roomStub(target).forgetUser({ target, userId: restricted });
    const stored = await runInDurableObject(roomStub(target), (_room, state) => ({
      plain: state.storage.sql.exec("SELECT * FROM restrictions").toArray(),
      erased: state.storage.sql.exec("SELECT * FROM erased_restrictions").toArray(),
    }));
    expect(stored.plain).toEqual([]);
    expect(stored.erased).toHaveLength(1);
    expect(JSON.stringify(stored.erased)).not.toContain(restricted);
    expect(JSON.stringify((await api("GET", targetPath(target, "/restrictions"), ownerToken)).body)).not.toContain(restricted);

    const again = await post(target, restricted, "still shadowed");
    expect(again.status).toBe(201);
    expect((await listComments(target)).items).toEqual([]);
    const other = await comment(target, uniqueUser("other"), "not caught");
    expect((await listComments(target)).items.map((item) => item.id)).toEqual([other.id]);

    const lifted = await api("DELETE", targetPath(target, `/restrictions/${encodeURIComponent(restricted)}`), ownerToken);
    expect(lifted.body).toEqual({ userId: restricted, lifted: true });
    const after = await post(target, restricted, "heard again");
    expect((await listComments(target)).items.map((item) => item.id)).toContain(after.comment.id);
  });

  it("drops a restricted user's reactions without telling them: answered as taken, counted for no one", async () => {
    const { target, restricted } = await restrictedRoom();
    const react = async (userId: string) => {
      const res = await postJson("/v1/reactions", { target, emoji: "wow", action: "add" }, { token: await tokenFor(userId) });
      expect(res.status).toBe(200);
      return ReactionResult.parse(await res.json());
    };
    expect(await react(restricted)).toMatchObject({ reacted: true, count: 0 });
    // The next reader's reaction is the first one counted.
    expect(await react(uniqueUser("reader"))).toMatchObject({ reacted: true, count: 1 });
  });

  it("keeps the comment from relayed readers too: only the author's relayed socket gets it, live and on replay", async () => {
    const { target, ownerToken, restricted } = await restrictedRoom();
    const res = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
      body: JSON.stringify({ threshold: 1, perRelay: 10 }),
    });
    expect(res.status).toBe(200);
    const before = await comment(target, uniqueUser(), "before");
    const first = await LiveSocket.open(target);
    await first.next("hello");
    const authorToken = await tokenFor(restricted);
    const [mine, reader, anonymous] = [
      await LiveSocket.open(target, { token: authorToken }),
      await LiveSocket.open(target, { token: await tokenFor(uniqueUser("reader")) }),
      await LiveSocket.open(target),
    ];
    for (const socket of [mine, reader, anonymous]) await socket.next("hello");
    expect((await env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, 0))).stats()).sockets).toBe(3);

    const secret = uniqueText("relayed shadow");
    await post(target, restricted, secret);
    const marker = await comment(target, uniqueUser(), "public marker");
    for (const socket of [mine, reader, anonymous]) await socket.next("event", (frame) => JSON.stringify(frame).includes(marker.id));
    expect(JSON.stringify(mine.frames)).toContain(secret);
    for (const socket of [reader, anonymous]) expect(JSON.stringify(socket.frames)).not.toContain(secret);

    const replayedThroughRelay = async (token?: string) => {
      const socket = await LiveSocket.open(target, { since: before.seq, ...(token === undefined ? {} : { token }) });
      const hello = await socket.next("hello");
      await eventually(async () => expect(socket.of("event").length).toBeGreaterThanOrEqual(hello.replay));
      socket.close();
      return JSON.stringify(socket.frames);
    };
    expect(await replayedThroughRelay(authorToken)).toContain(secret);
    const anonymousReplay = await replayedThroughRelay();
    expect(anonymousReplay).toContain(marker.id);
    expect(anonymousReplay).not.toContain(secret);

    // Approved: the author's relayed socket reads a deletion of their copy and the published comment, no decision.
    const [held] = HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items;
    const approval = await api("POST", targetPath(target, `/comments/${held!.id}/approve`), ownerToken);
    const published = HeldResolution.parse(approval.body).comment!;
    const after = await comment(target, uniqueUser(), "second marker");
    for (const socket of [mine, reader]) await socket.next("event", (frame) => JSON.stringify(frame).includes(after.id));
    expect(mine.of("event").some((frame) => frame.event.kind === "comment_deleted" && frame.event.id === held!.id)).toBe(true);
    expect(mine.of("event").some((frame) => frame.event.kind === "comment" && frame.event.comment.id === published.id)).toBe(true);
    expect(mine.of("event").filter((frame) => frame.event.kind === "held_resolved")).toEqual([]);
    expect(JSON.stringify(reader.frames)).not.toContain(held!.id);
    for (const socket of [first, mine, reader, anonymous]) socket.close();
  });
});
