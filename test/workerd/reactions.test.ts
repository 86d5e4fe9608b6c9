import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ReactionResult, ReactionUsersPage } from "../../protocol/reactions";
import { ErrorBody } from "../../protocol/errors";
import { bindPendingComments, markCommentForBinding } from "../../durable-objects/reactions/comment-bindings";
import { migrateRoomSchema } from "../../durable-objects/room-migrations";
import { SettingsStore } from "../../durable-objects/moderation/settings-store";
import { RoomMeta } from "../../durable-objects/room-meta";
import { call, getJson, postJson, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";
import { waitFor } from "./wait";
import { lakeRowsOf } from "./lake-helpers";
import { comment, deleteComment } from "./comment-helpers";
import type { Comment } from "../../protocol/comments";

async function react(
  target: string,
  userId: string,
  emoji: string,
  action: "add" | "remove" = "add",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await postJson("/v1/reactions", { target, emoji, action }, { token: await tokenFor(userId), headers });
  return { status: res.status, body: await res.json() };
}

async function reacted(target: string, userId: string, emoji: string, action: "add" | "remove" = "add", headers: Record<string, string> = {}) {
  const { status, body } = await react(target, userId, emoji, action, headers);
  expect(status, JSON.stringify(body)).toBe(200);
  return ReactionResult.parse(body);
}

async function refusal(target: string, userId: string, emoji: string, action: "add" | "remove" = "add", headers: Record<string, string> = {}) {
  const { status, body } = await react(target, userId, emoji, action, headers);
  return { status, error: ErrorBody.parse(body).error };
}

async function statsReactions(target: string): Promise<unknown> {
  return (await getJson(`/v1/targets/${encodeURIComponent(target)}/stats`)).body.reactions;
}

async function usersPage(target: string, emoji: string, query = "") {
  const res = await call(`/v1/targets/${encodeURIComponent(target)}/reactions/${encodeURIComponent(emoji)}/users${query}`);
  return { status: res.status, body: (await res.json()) as unknown };
}

async function allUsers(target: string, emoji: string, limit: number): Promise<{ userId: string; reactedAt: string }[]> {
  const seen: { userId: string; reactedAt: string }[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const query: string = `?limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const { status, body } = await usersPage(target, emoji, query);
    expect(status).toBe(200);
    const page = ReactionUsersPage.parse(body);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return seen;
  }
  throw new Error("listing did not end");
}

/** A comment id in the format of protocol/comments.ts CommentId (9 + 7 + 6 characters). */
function newCommentId(): string {
  const random = crypto.randomUUID().replaceAll("-", "");
  return `${Date.now().toString(36).padStart(9, "0")}${random.slice(0, 7)}${random.slice(7, 13).toUpperCase()}`;
}

/** A real comment in `target` (posted through the API); answers it. */
async function insertComment(target: string, options: { deleted?: boolean } = {}): Promise<Comment> {
  const author = uniqueUser("author");
  const posted = await comment(target, author, "a comment");
  if (options.deleted) expect((await deleteComment(target, author, posted.id)).status).toBe(200);
  return posted;
}

/**
 * TEMPORARY until the moderation helper's PATCH settings route lands: the settings written
 * into the room's storage through SettingsStore, then the room evicted so that it reads them
 * again instead of its cached copy.
 */
async function setReactionSet(target: string, reactions: string[]): Promise<void> {
  await runInDurableObject(roomStub(target), (_room, state) => {
    // A room gets its schema with its first write; this one is given it here.
    migrateRoomSchema(state.storage.sql);
    new SettingsStore(new RoomMeta(state.storage.sql)).patch({ reactions });
  });
  await evictDurableObject(roomStub(target));
}

/** Straight from the room: stats are edge-cached for a second and would hide a fresh change. */
async function countsOf(target: string): Promise<Record<string, number>> {
  return (await roomStub(target).snapshot(target)).reactions;
}

function pendingBindings(target: string): Promise<number> {
  return runInDurableObject(roomStub(target), (_room, state) =>
    state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comment_bindings_pending").one().n,
  );
}

describe("adding and removing reactions", () => {
  it("adds a reaction, answers a repeat without change, and removes it", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    expect(await reacted(target, user, "love")).toEqual({ target, emoji: "love", reacted: true, count: 1, changed: true, seq: 1 });
    expect(await reacted(target, user, "love")).toEqual({ target, emoji: "love", reacted: true, count: 1, changed: false, seq: 1 });
    expect(await statsReactions(target)).toEqual({ love: 1 });
    expect(await reacted(target, user, "love", "remove")).toEqual({ target, emoji: "love", reacted: false, count: 0, changed: true, seq: 2 });
    expect(await reacted(target, user, "love", "remove")).toEqual({ target, emoji: "love", reacted: false, count: 0, changed: false, seq: 2 });
    expect(await countsOf(target)).toEqual({});
  });

  it("counts one of each emoji per user, each emoji on its own", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    await reacted(target, user, "like");
    await reacted(target, user, "haha");
    await reacted(target, uniqueUser(), "haha");
    expect(await statsReactions(target)).toEqual({ like: 1, haha: 2 });
  });

  it("counts each of 60 users reacting at the same time exactly once", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 60 }, () => uniqueUser());
    const results = await Promise.all(users.map((user) => reacted(target, user, "wow")));
    expect(results.every((result) => result.changed)).toBe(true);
    expect(new Set(results.map((result) => result.seq)).size).toBe(60);
    expect(Math.max(...results.map((result) => result.count))).toBe(60);
    expect(await statsReactions(target)).toEqual({ wow: 60 });
  });

  it("counts one user's 20 racing identical reactions once", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const results = await Promise.all(Array.from({ length: 20 }, () => reacted(target, user, "sad")));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(results.every((result) => result.count === 1 && result.reacted)).toBe(true);
    expect(await statsReactions(target)).toEqual({ sad: 1 });
  });

  it("keeps the count exact when users remove their reactions, some twice and concurrently", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 12 }, () => uniqueUser());
    await Promise.all(users.map((user) => reacted(target, user, "angry")));
    const leaving = users.slice(0, 5);
    await Promise.all([...leaving, ...leaving].map((user) => reacted(target, user, "angry", "remove")));
    await reacted(target, uniqueUser(), "angry", "remove");
    expect(await statsReactions(target)).toEqual({ angry: 7 });
    const listed = await allUsers(target, "angry", 100);
    expect(listed.map((item) => item.userId).sort()).toEqual(users.slice(5).sort());
  });

  it("replays the first answer for a repeated Idempotency-Key and refuses the key for another reaction", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const key = { "Idempotency-Key": "react-once-1" };
    const first = await reacted(target, user, "like", "add", key);
    await reacted(target, uniqueUser(), "like");
    expect(await reacted(target, user, "like", "add", key)).toEqual(first);

    const conflict = await refusal(target, user, "like", "remove", key);
    expect(conflict.status).toBe(422);
    expect(conflict.error.code).toBe("idempotency_conflict");
    const otherEmoji = await refusal(target, user, "love", "add", key);
    expect(otherEmoji.status).toBe(422);
    // Another user's identical key is theirs alone.
    expect((await reacted(target, uniqueUser(), "love", "add", key)).changed).toBe(true);
    expect(await statsReactions(target)).toEqual({ like: 2, love: 1 });
  });
});

describe("which reactions a room accepts", () => {
  it("refuses an emoji outside the default set with 400 unknown_reaction naming the allowed ones", async () => {
    const target = uniqueTarget();
    const { status, error } = await refusal(target, uniqueUser(), "fire");
    expect(status).toBe(400);
    expect(error.code).toBe("unknown_reaction");
    expect(error.message).toContain("like love haha wow sad angry");
    expect(await statsReactions(target)).toEqual({});
  });

  it("accepts the room's own set (here set through SettingsStore) and refuses the defaults it left out", async () => {
    const target = uniqueTarget("stream");
    await setReactionSet(target, ["🎉", "fire"]);
    const user = uniqueUser();
    expect((await reacted(target, user, "🎉")).count).toBe(1);
    expect((await reacted(target, user, "fire")).count).toBe(1);
    const refused = await refusal(target, user, "like");
    expect(refused.status).toBe(400);
    expect(refused.error.message).toContain("🎉 fire");
    expect(await statsReactions(target)).toEqual({ "🎉": 1, fire: 1 });
  });

  it("lets a user take back a reaction the room later dropped from its set", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    await reacted(target, user, "haha");
    await setReactionSet(target, ["like"]);
    expect((await refusal(target, uniqueUser(), "haha")).error.code).toBe("unknown_reaction");
    expect(await reacted(target, user, "haha", "remove")).toMatchObject({ reacted: false, count: 0, changed: true });
  });
});

describe("reactions live in the room", () => {
  it("sends every viewer a reaction event with the exact count, and the next hello carries the counts", async () => {
    const target = uniqueTarget("stream");
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    const first = await reacted(target, uniqueUser(), "love");
    await reacted(target, uniqueUser(), "love");
    const event = await viewer.next("event", (frame) => frame.seq === first.seq);
    expect(event).toMatchObject({ replay: false, event: { kind: "reaction", commentId: null, emoji: "love", count: 1 } });
    expect((await viewer.next("event", (frame) => frame.seq === first.seq + 1)).event).toEqual({
      kind: "reaction",
      commentId: null,
      emoji: "love",
      count: 2,
    });
    viewer.close();
    const late = await LiveSocket.open(target);
    expect((await late.next("hello")).reactions).toEqual({ love: 2 });
    late.close();
  });

  it("tells a signed-in viewer in the hello which of the room's reactions they hold, and no one else", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    await reacted(target, user, "love");
    await reacted(target, user, "wow");
    await reacted(target, uniqueUser(), "haha");
    await reacted(target, user, "wow", "remove");
    const mine = await LiveSocket.open(target, { token: await tokenFor(user) });
    expect((await mine.next("hello")).mine).toEqual(["love"]);
    mine.close();
    const other = await LiveSocket.open(target, { token: await tokenFor(uniqueUser()) });
    expect((await other.next("hello")).mine).toEqual([]);
    other.close();
    const anonymous = await LiveSocket.open(target);
    expect((await anonymous.next("hello")).mine).toBeUndefined();
    anonymous.close();
  });

  it("acks a react frame, replays the ack for a resent frame id, and refuses the id for another reaction", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    const writer = await LiveSocket.open(target, { token: await tokenFor(user) });
    const viewer = await LiveSocket.open(target);
    await writer.next("hello");
    await viewer.next("hello");

    writer.send({ type: "react", id: "r-1", emoji: "wow", action: "add" });
    const ack = await writer.next("ack", (frame) => frame.id === "r-1");
    expect(ack.reaction).toEqual({ target, emoji: "wow", reacted: true, count: 1, changed: true, seq: 1 });
    expect((await viewer.next("event", (frame) => frame.seq === 1)).event).toEqual({ kind: "reaction", commentId: null, emoji: "wow", count: 1 });

    const acksBefore = writer.of("ack").length;
    writer.send({ type: "react", id: "r-1", emoji: "wow", action: "add" });
    await waitFor(async () => writer.of("ack").length, (n) => n > acksBefore, 3_000, "the second ack");
    expect(writer.of("ack")[acksBefore]).toEqual(ack);

    writer.send({ type: "react", id: "r-1", emoji: "wow", action: "remove" });
    expect((await writer.next("error", (frame) => frame.id === "r-1")).error.code).toBe("idempotency_conflict");
    writer.send({ type: "react", id: "r-2", emoji: "nope", action: "add" });
    expect((await writer.next("error", (frame) => frame.id === "r-2")).error.code).toBe("unknown_reaction");
    expect(await statsReactions(target)).toEqual({ wow: 1 });
    writer.close();
    viewer.close();
  });

  it("refuses a react frame from a socket without a token", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    socket.send({ type: "react", id: "anon", emoji: "like", action: "add" });
    expect((await socket.next("error", (frame) => frame.id === "anon")).error.code).toBe("unauthorized");
    expect(await statsReactions(target)).toEqual({});
    socket.close();
  });
});

describe("reactions on comments", () => {
  it("counts reactions on a comment of the room apart from the room's own, live with the comment id", async () => {
    const target = uniqueTarget("stream");
    const { id: commentId, seq: commentSeq } = await insertComment(target);
    const user = uniqueUser();
    const writer = await LiveSocket.open(target, { token: await tokenFor(user) });
    await writer.next("hello");

    writer.send({ type: "react", id: "c-1", emoji: "love", action: "add", commentId });
    expect((await writer.next("ack", (frame) => frame.id === "c-1")).reaction).toMatchObject({ target, reacted: true, count: 1 });
    expect((await writer.next("event", (frame) => frame.seq === commentSeq + 1)).event).toEqual({ kind: "reaction", commentId, emoji: "love", count: 1 });
    await reacted(target, user, "love");
    expect(await statsReactions(target)).toEqual({ love: 1 });
    expect(await roomStub(target).reactionCounts({ target, commentId })).toEqual({ ok: true, value: { love: 1 } });
    writer.close();
  });

  it("answers comment_not_found for a comment that is missing or deleted", async () => {
    const target = uniqueTarget("stream");
    const { id: deleted } = await insertComment(target, { deleted: true });
    const writer = await LiveSocket.open(target, { token: await tokenFor(uniqueUser()) });
    await writer.next("hello");
    writer.send({ type: "react", id: "gone", emoji: "love", action: "add", commentId: deleted });
    writer.send({ type: "react", id: "never", emoji: "love", action: "add", commentId: newCommentId() });
    expect((await writer.next("error", (frame) => frame.id === "gone")).error.code).toBe("comment_not_found");
    expect((await writer.next("error", (frame) => frame.id === "never")).error.code).toBe("comment_not_found");
    writer.close();
  });

  it("forwards reactions on comment:<id> to the room holding the comment once the parent bound it", async () => {
    const parent = uniqueTarget("stream");
    let commentId = newCommentId();
    let commentTarget = `comment:${commentId}`;
    const user = uniqueUser();

    // A comment id that no room bound (yet) is not a target anyone can react to.
    const early = await refusal(commentTarget, user, "haha");
    expect(early).toMatchObject({ status: 404, error: { code: "comment_not_found" } });

    // Posting the comment schedules the binding job at once; run it in case it has not run yet.
    const posted = await comment(parent, uniqueUser("author"), "react to me");
    commentId = posted.id;
    commentTarget = `comment:${commentId}`;
    await runDurableObjectAlarm(roomStub(parent));
    expect(await pendingBindings(parent)).toBe(0);

    const viewer = await LiveSocket.open(parent);
    await viewer.next("hello");
    const result = await reacted(commentTarget, user, "haha");
    expect(result).toEqual({ target: commentTarget, emoji: "haha", reacted: true, count: 1, changed: true, seq: posted.seq + 1 });
    expect((await viewer.next("event", (frame) => frame.seq === posted.seq + 1)).event).toEqual({ kind: "reaction", commentId, emoji: "haha", count: 1 });
    await reacted(commentTarget, uniqueUser(), "haha");

    expect(await statsReactions(commentTarget)).toEqual({ haha: 2 });
    expect(await statsReactions(parent)).toEqual({});
    expect(await roomStub(parent).reactionCounts({ target: parent, commentId })).toEqual({ ok: true, value: { haha: 2 } });
    const listed = await allUsers(commentTarget, "haha", 1);
    expect(listed.map((item) => item.userId)).toContain(user);
    expect(listed).toHaveLength(2);
    expect((await reacted(commentTarget, user, "haha", "remove")).count).toBe(1);
    viewer.close();
  });

  it("binds a comment room to one parent only, and binding again is a no-op", async () => {
    const parent = uniqueTarget("stream");
    const commentTarget = `comment:${newCommentId()}`;
    const room = roomStub(commentTarget);
    expect(await room.bindParent({ target: commentTarget, parent })).toEqual({ ok: true, value: { parent } });
    expect(await room.bindParent({ target: commentTarget, parent })).toEqual({ ok: true, value: { parent } });
    const other = await room.bindParent({ target: commentTarget, parent: uniqueTarget("stream") });
    expect(other).toMatchObject({ ok: false, error: { status: 409, code: "parent_conflict" } });
  });

  it("keeps a pending binding whose call failed and asks to run again later", async () => {
    const parent = uniqueTarget("stream");
    const failing = newCommentId();
    const working = newCommentId();
    await roomStub(parent).snapshot(parent);
    const bound: string[] = [];
    const next = await runInDurableObject(roomStub(parent), async (_room, state) => {
      // Reads no longer give a room its schema (the snapshot above); the test gives it here.
      migrateRoomSchema(state.storage.sql);
      markCommentForBinding(state.storage.sql, failing);
      markCommentForBinding(state.storage.sql, working);
      const startedAt = Date.now();
      const retryAt = await bindPendingComments(
        state.storage.sql,
        parent,
        async (input) => {
          if (input.target === `comment:${failing}`) throw new Error("comment room unreachable");
          bound.push(input.target);
          return { ok: true, value: { parent } };
        },
        () => {},
      );
      const left = state.storage.sql.exec<{ id: string }>("SELECT id FROM comment_bindings_pending").toArray();
      return { retryIn: retryAt === null ? null : retryAt - startedAt, left: left.map((row) => row.id) };
    });
    expect(bound).toEqual([`comment:${working}`]);
    expect(next.left).toEqual([failing]);
    expect(next.retryIn).toBeGreaterThan(0);
  });

  it("treats a comment: target that is not one of ours as a plain target", async () => {
    const target = "comment:foreign-" + crypto.randomUUID().slice(0, 8);
    const result = await reacted(target, uniqueUser(), "like");
    expect(result).toMatchObject({ target, count: 1, changed: true });
    expect(await statsReactions(target)).toEqual({ like: 1 });
  });
});

describe("who reacted", () => {
  it("pages through every user newest first without gaps or duplicates", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 23 }, () => uniqueUser());
    // Concurrent writes share milliseconds, so the listing must break ties by user id.
    await Promise.all(users.map((user) => reacted(target, user, "like")));
    await reacted(target, uniqueUser(), "love");
    const listed = await allUsers(target, "like", 5);
    expect(listed.map((item) => item.userId).sort()).toEqual([...users].sort());
    expect(new Set(listed.map((item) => item.userId)).size).toBe(23);
    const times = listed.map((item) => Date.parse(item.reactedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("lists an emoji reaction by its percent-encoded path", async () => {
    const target = uniqueTarget();
    await setReactionSet(target, ["👍🏽"]);
    const user = uniqueUser();
    await reacted(target, user, "👍🏽");
    const { status, body } = await usersPage(target, "👍🏽");
    expect(status).toBe(200);
    expect(ReactionUsersPage.parse(body).items.map((item) => item.userId)).toEqual([user]);
  });

  it("refuses a forged cursor and a bad limit with 400", async () => {
    const target = uniqueTarget();
    expect((await usersPage(target, "like", "?cursor=not-a-cursor")).status).toBe(400);
    expect((await usersPage(target, "like", "?limit=0")).status).toBe(400);
    expect((await usersPage(target, "like", "?limit=101")).status).toBe(400);
    expect((await usersPage(target, "<b>", "")).status).toBe(400);
  });
});

describe("reaction events", () => {
  it("delivers reaction_add and reaction_remove to D1 with emoji, subject and seq", { timeout: 20_000 }, async () => {
    const target = uniqueTarget("stream");
    const { id: commentId } = await insertComment(target);
    const user = uniqueUser();
    await reacted(target, user, "love");
    await reacted(target, user, "love", "remove");
    const writer = await LiveSocket.open(target, { token: await tokenFor(user) });
    await writer.next("hello");
    writer.send({ type: "react", id: "ev-1", emoji: "wow", action: "add", commentId });
    await writer.next("ack", (frame) => frame.id === "ev-1");
    writer.close();

    const rows = await waitFor(
      async () => (await lakeRowsOf(target)).filter((row) => row.type.startsWith("reaction")),
      (found) => found.length === 3,
      15_000,
      "reaction events in the lake",
    );
    // The user as their lake pseudonym: the same on every row, never the id.
    const pseudonym = rows[0]!.user;
    expect(pseudonym).not.toBeNull();
    expect(pseudonym).not.toBe(user);
    expect(rows.map(({ type, user: u, seq, emoji, subject }) => ({ type, user: u, seq, emoji, subject }))).toEqual([
      { type: "reaction_add", user: pseudonym, seq: 2, emoji: "love", subject: null },
      { type: "reaction_remove", user: pseudonym, seq: 3, emoji: "love", subject: null },
      { type: "reaction_add", user: pseudonym, seq: 4, emoji: "wow", subject: commentId },
    ]);
  });
});

describe("forgetting a user", () => {
  it("removes their reactions on the target and its comments, each with a seq, a live event and an anonymous event", { timeout: 20_000 }, async () => {
    const target = uniqueTarget("stream");
    const { id: commentId } = await insertComment(target);
    const leaver = uniqueUser("leaver");
    const stayer = uniqueUser("stayer");
    await reacted(target, leaver, "like");
    await reacted(target, leaver, "love");
    await reacted(target, stayer, "like");
    const writer = await LiveSocket.open(target, { token: await tokenFor(leaver) });
    await writer.next("hello");
    writer.send({ type: "react", id: "on-comment", emoji: "haha", action: "add", commentId });
    await writer.next("ack", (frame) => frame.id === "on-comment");
    writer.close();

    const viewer = await LiveSocket.open(target);
    const hello = await viewer.next("hello");
    const result = await roomStub(target).forgetUser({ target, userId: leaver });
    expect(result).toMatchObject({ reactionsRemoved: 3, seq: hello.seq + 3 });
    const events = await Promise.all([1, 2, 3].map((i) => viewer.next("event", (frame) => frame.seq === hello.seq + i)));
    expect(events.map((frame) => frame.event)).toEqual(
      expect.arrayContaining([
        { kind: "reaction", commentId: null, emoji: "like", count: 1 },
        { kind: "reaction", commentId: null, emoji: "love", count: 0 },
        { kind: "reaction", commentId, emoji: "haha", count: 0 },
      ]),
    );
    viewer.close();

    expect(await statsReactions(target)).toEqual({ like: 1 });
    expect(await roomStub(target).reactionCounts({ target, commentId })).toEqual({ ok: true, value: {} });
    expect((await allUsers(target, "like", 10)).map((item) => item.userId)).toEqual([stayer]);
    expect((await roomStub(target).forgetUser({ target, userId: leaver })).reactionsRemoved).toBe(0);

    const removals = await waitFor(
      async () => (await lakeRowsOf(target)).filter((row) => row.type === "reaction_remove" && row.seq > hello.seq),
      (found) => found.length === 3,
      15_000,
      "erasure events in the lake",
    );
    expect(removals.every((row) => row.user === null)).toBe(true);
  });
});

describe("bad reaction requests", () => {
  const badBodies: [string, (target: string) => unknown][] = [
    ["an unknown target kind", () => ({ target: "video:abc", emoji: "like", action: "add" })],
    ["an emoji that is markup", (target) => ({ target, emoji: "<img src=x>", action: "add" })],
    ["an emoji longer than 32", (target) => ({ target, emoji: "a".repeat(33), action: "add" })],
    ["a missing action", (target) => ({ target, emoji: "like" })],
    ["an unknown action", (target) => ({ target, emoji: "like", action: "toggle" })],
    ["an extra field", (target) => ({ target, emoji: "like", action: "add", userId: "someone-else" })],
    ["a non-string emoji", (target) => ({ target, emoji: 1, action: "add" })],
  ];

  for (const [name, body] of badBodies) {
    it(`refuses ${name} with 400 and changes nothing`, async () => {
      const target = uniqueTarget();
      const res = await postJson("/v1/reactions", body(target), { token: await tokenFor(uniqueUser()) });
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("invalid_request");
      expect(await statsReactions(target)).toEqual({});
    });
  }

  it("refuses a request without a token with 401", async () => {
    const target = uniqueTarget();
    const res = await postJson("/v1/reactions", { target, emoji: "like", action: "add" });
    expect(res.status).toBe(401);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("unauthorized");
    expect(await statsReactions(target)).toEqual({});
  });

  it("refuses a react frame with a malformed comment id without touching the room", async () => {
    const target = uniqueTarget();
    const writer = await LiveSocket.open(target, { token: await tokenFor(uniqueUser()) });
    await writer.next("hello");
    writer.send({ type: "react", id: "bad", emoji: "like", action: "add", commentId: "x" });
    expect((await writer.next("error")).error.code).toBe("invalid_request");
    expect(await statsReactions(target)).toEqual({});
    writer.close();
  });
});
