import { describe, expect, it } from "vitest";
import { Comment, TopCommentsResponse } from "../../protocol/comments";
import { TargetInfo } from "../../protocol/moderation";
import { topScore } from "../../durable-objects/comments/room-comments";
import { call, postJson, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { comment, deleteComment, listComments, postComment } from "./comment-helpers";
import { api, registerAs, targetPath } from "./moderation-helpers";
import { LiveSocket } from "./live-socket";

/** A registered stream with an owner and one moderator the owner added. */
async function moderatedRoom() {
  const target = uniqueTarget("stream");
  const owner = uniqueUser("owner");
  const moderator = uniqueUser("mod");
  const ownerToken = await registerAs(target, owner);
  expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: moderator })).status).toBe(200);
  return { target, owner, ownerToken, moderator, modToken: await tokenFor(moderator) };
}

async function react(target: string, userId: string, emoji: string) {
  return postJson("/v1/reactions", { target, emoji, action: "add" }, { token: await tokenFor(userId) });
}

async function errorOf(res: Response): Promise<{ status: number; code: string; retryAfter: string | null }> {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code, retryAfter: res.headers.get("retry-after") };
}

describe("moderators and comments", () => {
  it("lets a moderator or an admin delete anyone's comment, with a tombstone to viewers; others get 403", async () => {
    const { target, moderator } = await moderatedRoom();
    const victim = await comment(target, uniqueUser(), "off-topic");
    const other = await comment(target, uniqueUser(), "also off-topic");
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");

    expect((await deleteComment(target, uniqueUser(), victim.id)).status).toBe(403);
    expect((await deleteComment(target, moderator, victim.id)).status).toBe(200);
    expect((await viewer.next("event", (f) => f.event.kind === "comment_deleted")).event).toMatchObject({ id: victim.id });
    expect((await deleteComment(target, uniqueUser("admin"), other.id, ["admin"])).status).toBe(200);
    expect((await listComments(target)).items).toEqual([]);
    viewer.close();
  });

  it("pins one comment into the snapshot and room info, replaces it, and unpins when it is deleted", async () => {
    const { target, modToken, moderator } = await moderatedRoom();
    const first = await comment(target, uniqueUser(), "pin me");
    const second = await comment(target, uniqueUser(), "no, pin me");
    expect((await api("PUT", targetPath(target, "/pin"), await tokenFor(uniqueUser()), { commentId: first.id })).status).toBe(403);

    const pinned = await api("PUT", targetPath(target, "/pin"), modToken, { commentId: first.id });
    expect(pinned.status).toBe(200);
    expect(Comment.parse(pinned.body.pinned).id).toBe(first.id);
    const viewer = await LiveSocket.open(target);
    expect((await viewer.next("hello")).pinned?.id).toBe(first.id);
    expect(TargetInfo.parse((await api("GET", targetPath(target), null)).body).pinned).toBe(first.id);

    await api("PUT", targetPath(target, "/pin"), modToken, { commentId: second.id });
    const swap = await viewer.next("event", (f) => f.event.kind === "pin");
    expect(swap.event).toMatchObject({ kind: "pin", comment: { id: second.id } });
    expect((await deleteComment(target, moderator, second.id)).status).toBe(200);
    await viewer.next("event", (f) => f.event.kind === "pin" && f.event.comment === null);
    expect(TargetInfo.parse((await api("GET", targetPath(target), null)).body).pinned).toBeNull();
    expect((await api("DELETE", targetPath(target, "/pin"), modToken)).body).toEqual({ pinned: null });
    viewer.close();
  });

  it("highlights a comment for viewers; only moderators may", async () => {
    const { target, modToken } = await moderatedRoom();
    const posted = await comment(target, uniqueUser(), "great question");
    const path = targetPath(target, `/comments/${posted.id}/highlight`);
    expect((await api("POST", path, await tokenFor(uniqueUser()), { highlighted: true })).status).toBe(403);
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    const res = await api("POST", path, modToken, { highlighted: true });
    expect(res.status).toBe(200);
    expect(Comment.parse(res.body).highlighted).toBe(true);
    expect((await viewer.next("event", (f) => f.event.kind === "comment_highlight")).event).toEqual({
      kind: "comment_highlight",
      id: posted.id,
      highlighted: true,
    });
    expect((await listComments(target)).items[0]!.highlighted).toBe(true);
    viewer.close();
  });
});

describe("the room's rules applied to comments and reactions", () => {
  it("keeps a banned user from commenting and reacting, over REST and the socket", async () => {
    const { target, modToken } = await moderatedRoom();
    const troll = uniqueUser("troll");
    expect((await api("POST", targetPath(target, "/bans"), modToken, { userId: troll })).status).toBe(201);
    expect(await errorOf(await postComment(target, troll, { text: "let me in" }))).toMatchObject({ status: 403, code: "banned" });
    expect(await errorOf(await react(target, troll, "love"))).toMatchObject({ status: 403, code: "banned" });
    const socket = await LiveSocket.open(target, { token: await tokenFor(troll) });
    await socket.next("hello");
    socket.send({ type: "comment", id: "banned-1", text: "hi" });
    expect((await socket.next("error", (f) => f.id === "banned-1")).error.code).toBe("banned");
    socket.close();
    expect((await listComments(target)).items).toEqual([]);
  });

  it("lets a timed-out user comment again once the timeout ends", { timeout: 15_000 }, async () => {
    const { target, modToken } = await moderatedRoom();
    const user = uniqueUser();
    await api("POST", targetPath(target, "/bans"), modToken, { userId: user, durationSeconds: 1 });
    expect((await postComment(target, user, { text: "now?" })).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await postComment(target, user, { text: "now!" })).status).toBe(201);
  });

  it("turns comments off for everyone but moderators", async () => {
    const { target, modToken, moderator } = await moderatedRoom();
    expect((await api("PATCH", targetPath(target, "/settings"), modToken, { commentsEnabled: false })).status).toBe(200);
    expect(await errorOf(await postComment(target, uniqueUser(), { text: "hello?" }))).toMatchObject({ status: 403, code: "comments_disabled" });
    expect((await postComment(target, moderator, { text: "comments are off for a bit" })).status).toBe(201);
  });

  it("enforces slow mode per user with Retry-After, and as an error frame on the socket", async () => {
    const { target, modToken } = await moderatedRoom();
    await api("PATCH", targetPath(target, "/settings"), modToken, { slowModeSeconds: 30 });
    const user = uniqueUser();
    expect((await postComment(target, user, { text: "first" })).status).toBe(201);
    const refused = await errorOf(await postComment(target, user, { text: "second" }));
    expect(refused).toMatchObject({ status: 429, code: "slow_mode" });
    expect(Number(refused.retryAfter)).toBeGreaterThan(25);
    expect((await postComment(target, uniqueUser(), { text: "someone else" })).status).toBe(201);

    const socket = await LiveSocket.open(target, { token: await tokenFor(user) });
    await socket.next("hello");
    socket.send({ type: "comment", id: "slow-1", text: "third" });
    const frame = await socket.next("error", (f) => f.id === "slow-1");
    expect(frame.error.code).toBe("slow_mode");
    expect(frame.error.retryAfterSeconds).toBeGreaterThan(25);
    socket.close();
  });

  it("answers 429 with Retry-After past 10 comments a minute", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    for (let i = 0; i < 10; i++) expect((await postComment(target, user, { text: `message ${i}` })).status).toBe(201);
    const refused = await errorOf(await postComment(target, user, { text: "one too many" }));
    expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await listComments(target)).items).toHaveLength(10);
  });

  it("keeps a members-only room to members, by list or by token role", async () => {
    const { target, ownerToken } = await moderatedRoom();
    const listed = uniqueUser("member");
    await api("PATCH", targetPath(target, "/settings"), ownerToken, { membersOnly: true });
    await api("POST", targetPath(target, "/members"), ownerToken, { userId: listed });
    expect(await errorOf(await postComment(target, uniqueUser(), { text: "hi" }))).toMatchObject({ status: 403, code: "members_only" });
    expect((await postComment(target, listed, { text: "hi from the list" })).status).toBe(201);
    const roleToken = await tokenFor(uniqueUser(), { roles: [`member:${target}`] });
    const res = await postJson(`/v1/targets/${target}/comments`, { text: "hi from a role" }, { token: roleToken });
    expect(res.status).toBe(201);
    expect(await errorOf(await react(target, uniqueUser(), "love"))).toMatchObject({ status: 403, code: "members_only" });
  });

  it("masks profanity by default and rejects it when the room says so", async () => {
    const { target, modToken } = await moderatedRoom();
    const masked = await comment(target, uniqueUser(), "what the fuck is this");
    expect(masked.text).not.toContain("fuck");
    expect(masked.text).toMatch(/what the \*+ is this/);
    await api("PATCH", targetPath(target, "/settings"), modToken, { filter: "reject" });
    expect(await errorOf(await postComment(target, uniqueUser(), { text: "fuck this" }))).toMatchObject({ status: 400, code: "text_rejected" });
  });

  it("rejects the same comment repeated by one user within 30 s as spam", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    expect((await postComment(target, user, { text: "buy now" })).status).toBe(201);
    expect(await errorOf(await postComment(target, user, { text: "  buy now " }))).toMatchObject({ status: 422, code: "duplicate_comment" });
    expect((await postComment(target, uniqueUser(), { text: "buy now" })).status).toBe(201);
  });

  it("applies the room's maxCommentLength", async () => {
    const { target, modToken } = await moderatedRoom();
    await api("PATCH", targetPath(target, "/settings"), modToken, { maxCommentLength: 5 });
    expect((await postComment(target, uniqueUser(), { text: "12345" })).status).toBe(201);
    expect((await postComment(target, uniqueUser(), { text: "123456" })).status).toBe(400);
  });
});

describe("top comments", () => {
  it("ranks the room's comments by reactions and lists them with their counts", async () => {
    const target = uniqueTarget("stream");
    const quiet = await comment(target, uniqueUser(), "quiet");
    const popular = await comment(target, uniqueUser(), "popular");
    const liked = await comment(target, uniqueUser(), "liked a bit");
    for (let i = 0; i < 3; i++) expect((await react(`comment:${popular.id}`, uniqueUser(), "love")).status).toBe(200);
    expect((await react(`comment:${liked.id}`, uniqueUser(), "haha")).status).toBe(200);
    const res = await call(`/v1/targets/${target}/comments/top?limit=5`);
    const top = TopCommentsResponse.parse(await res.json());
    expect(top.items.map((item) => item.id)).toEqual([popular.id, liked.id]);
    expect(top.items[0]!.reactions).toEqual({ love: 3 });
    expect(top.items.map((item) => item.id)).not.toContain(quiet.id);
    expect((await listComments(target)).items.find((item) => item.id === popular.id)?.reactions).toEqual({ love: 3 });
  });

  it("discounts age so a new popular comment passes an old one", () => {
    const hour = 3_600_000;
    expect(topScore(10, 24 * hour)).toBeLessThan(topScore(3, 0));
    expect(topScore(10, 0)).toBeGreaterThan(topScore(3, 0));
    expect(topScore(5, hour)).toBeGreaterThan(topScore(5, 2 * hour));
  });
});
