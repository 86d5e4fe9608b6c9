import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { isEmoteOnly } from "../../durable-objects/moderation/chat-modes";
import { DEFAULT_REACTIONS } from "../../protocol/reactions";
import { like, postJson, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { postComment } from "./comment-helpers";
import { api, insertCommentRow, registerAs, targetPath } from "./moderation-helpers";

/** A registered stream, its owner's token, a moderator and a patch applied by the owner. */
async function roomWith(settings: Record<string, unknown>) {
  const target = uniqueTarget("stream");
  const ownerToken = await registerAs(target, uniqueUser("owner"));
  const moderator = uniqueUser("mod");
  expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: moderator })).status).toBe(200);
  const patched = await api("PATCH", targetPath(target, "/settings"), ownerToken, settings);
  expect(patched.status).toBe(200);
  return { target, ownerToken, moderator };
}

async function post(target: string, userId: string, text: string) {
  const res = await postComment(target, userId, { text });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code ?? null, retryAfter: res.headers.get("retry-after") };
}

describe("emote-only mode", () => {
  it("accepts only emoji and the room's reactions from viewers; moderators are exempt", async () => {
    const { target, ownerToken, moderator } = await roomWith({ emoteOnly: true });
    const viewer = uniqueUser("viewer");
    expect(await post(target, viewer, "hello")).toMatchObject({ status: 403, code: "emote_only" });
    expect(await post(target, viewer, "🎉 nice")).toMatchObject({ status: 403, code: "emote_only" });
    expect(await post(target, viewer, "🎉👍🏽 🇫🇷 1️⃣ 👨‍👩‍👧")).toMatchObject({ status: 201 });
    expect(await post(target, viewer, ":love: haha 🎉")).toMatchObject({ status: 201 });
    expect(await post(target, moderator, "please keep it to emoji")).toMatchObject({ status: 201 });
    expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { emoteOnly: false })).status).toBe(200);
    expect(await post(target, viewer, "hello again")).toMatchObject({ status: 201 });
  });

  it("does not take a digit, # or * alone (emoji components) for an emoji", () => {
    for (const text of ["123", "#", "*", "1 2", "🎉 #"]) expect(isEmoteOnly(text, DEFAULT_REACTIONS), text).toBe(false);
    for (const text of ["1️⃣", "#️⃣", "🎉", "wow", ":wow:"]) expect(isEmoteOnly(text, DEFAULT_REACTIONS), text).toBe(true);
    expect(isEmoteOnly(":party:", DEFAULT_REACTIONS)).toBe(false);
  });
});

describe("unique chat", () => {
  it("refuses what anyone posted in the last 30 s, compared after normalising; moderators are exempt", async () => {
    const { target, moderator } = await roomWith({ uniqueChat: true });
    const [a, b] = [uniqueUser("a"), uniqueUser("b")];
    expect(await post(target, a, "Great goal!")).toMatchObject({ status: 201 });
    expect(await post(target, b, "great   GOAL!")).toMatchObject({ status: 422, code: "not_unique" });
    expect(await post(target, b, "what a match")).toMatchObject({ status: 201 });
    expect(await post(target, moderator, "Great goal!")).toMatchObject({ status: 201 });
  });

  it("reads the window from the room's comments, so older comments pass and stored ones count", async () => {
    const { target } = await roomWith({ uniqueChat: true });
    const now = Date.now();
    await insertCommentRow(target, { authorId: uniqueUser("earlier"), text: "old news", createdAt: now - 31_000 });
    await insertCommentRow(target, { authorId: uniqueUser("earlier"), text: "fresh news", createdAt: now - 5_000 });
    expect(await post(target, uniqueUser("c"), "Old news")).toMatchObject({ status: 201 });
    expect(await post(target, uniqueUser("d"), "FRESH news")).toMatchObject({ status: 422, code: "not_unique" });
  });

  it("is off by default: two viewers may say the same thing", async () => {
    const target = uniqueTarget("stream");
    expect(await post(target, uniqueUser("e"), "gg")).toMatchObject({ status: 201 });
    expect(await post(target, uniqueUser("f"), "gg")).toMatchObject({ status: 201 });
  });
});

describe("newcomer wait", () => {
  it("lets a viewer comment only N minutes after their first write here; moderators are exempt", async () => {
    const { target, moderator } = await roomWith({ newcomerWaitMinutes: 10 });
    const viewer = uniqueUser("new");
    expect(await post(target, viewer, "first!")).toMatchObject({ status: 403, code: "write_first" });
    expect((await like(target, viewer)).status).toBe(200);
    const waiting = await post(target, viewer, "first!");
    expect(waiting).toMatchObject({ status: 429, code: "newcomer_wait" });
    expect(Number(waiting.retryAfter)).toBeGreaterThan(590);
    expect(Number(waiting.retryAfter)).toBeLessThanOrEqual(600);
    expect(await post(target, moderator, "welcome")).toMatchObject({ status: 201 });
  });

  it("counts the earliest like, reaction or comment the room holds", async () => {
    const { target } = await roomWith({ newcomerWaitMinutes: 10 });
    const [liker, reactor, commenter] = [uniqueUser("liker"), uniqueUser("reactor"), uniqueUser("commenter")];
    const longAgo = Date.now() - 11 * 60_000;
    await runInDurableObject(roomStub(target), (_room, state) => {
      state.storage.sql.exec("INSERT INTO likes (user_id, liked_at) VALUES (?, ?)", liker, longAgo);
      state.storage.sql.exec("INSERT INTO reactions (subject, emoji, user_id, reacted_at) VALUES ('', 'wow', ?, ?)", reactor, longAgo);
    });
    await insertCommentRow(target, { authorId: commenter, text: "an old one", createdAt: longAgo, deletedAt: longAgo + 1 });
    for (const user of [liker, reactor, commenter]) expect(await post(target, user, `back again ${user}`)).toMatchObject({ status: 201 });
    // A reaction made just now starts the clock like a like does.
    const reactorNow = uniqueUser("reactor-now");
    expect((await postJson("/v1/reactions", { target, emoji: "wow", action: "add" }, { token: await tokenFor(reactorNow) })).status).toBe(200);
    expect(await post(target, reactorNow, "hi")).toMatchObject({ status: 429, code: "newcomer_wait" });
  });

  it("refuses a wait over a week and unknown chat modes with 400", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    for (const body of [{ newcomerWaitMinutes: 7 * 24 * 60 + 1 }, { newcomerWaitMinutes: -1 }, { emoteOnly: "yes" }, { followersOnly: true }]) {
      expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, body)).status, JSON.stringify(body)).toBe(400);
    }
  });
});
