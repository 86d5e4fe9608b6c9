import { describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import { LIVE_IDENTITY_HEADER } from "../../protocol/internal/room-rpc";
import { call, like, postJson, TEST_AUTH_SECRET, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { comment, deleteComment, listComments, postComment } from "./comment-helpers";
import { api, registerAs, targetPath } from "./moderation-helpers";
import { LiveSocket } from "./live-socket";
import { answerOf, expectRefused, roomFingerprint } from "./fuzz-helpers";
import { printReliability } from "./reliability-record";

/**
 * Acting as someone else, moderating without the role, writing while banned: each attempt is
 * refused with its status, changes nothing in the room, and the people it aimed at keep
 * their rights.
 */

async function likedBy(target: string, userId: string): Promise<boolean> {
  const answer = await answerOf(await call(`/v1/users/${encodeURIComponent(userId)}/likes/${target}`));
  return (answer.body as { liked: boolean }).liked;
}

describe("a token for A writing as B", () => {
  it("refuses or ignores every body field and header that names another user", async () => {
    const target = uniqueTarget("stream");
    const alice = uniqueUser("alice");
    const bob = uniqueUser("bob");
    const aliceToken = await tokenFor(alice);
    const bobsComment = await comment(target, bob, "bob's words");
    const before = await roomFingerprint(target);
    let tried = 0;
    let refused = 0;
    const refusedWith = async (status: number, res: Response, what: string) => {
      tried++;
      const answer = await answerOf(res);
      expectRefused(answer, what);
      expect(answer.status, `${what}: ${answer.text}`).toBe(status);
      refused++;
    };
    await refusedWith(403, await postJson("/v1/likes", { target, action: "like", user_id: bob }, { token: aliceToken }), "like with user_id");
    await refusedWith(403, await postJson("/v1/likes/toggle", { target, user_id: bob }, { token: aliceToken }), "toggle with user_id");
    await refusedWith(400, await postJson("/v1/reactions", { target, emoji: "love", action: "add", user_id: bob }, { token: aliceToken }), "react with user_id");
    for (const field of ["author", "userId", "user_id", "authorId"]) {
      await refusedWith(400, await postJson(`/v1/targets/${target}/comments`, { text: "as bob", [field]: bob }, { token: aliceToken }), `comment with ${field}`);
    }
    await refusedWith(403, await deleteComment(target, alice, bobsComment.id), "deleting bob's comment");
    await refusedWith(403, await call(targetPath(target, `/bans/${alice}`), { method: "DELETE", headers: { authorization: `Bearer ${aliceToken}` } }), "lifting a ban");
    expect(await roomFingerprint(target)).toBe(before);

    // Identity headers a client writes itself are ignored: the like is alice's, never bob's.
    const spoofed = await postJson("/v1/likes", { target, action: "like" }, {
      token: aliceToken,
      headers: { "x-user-id": bob, [LIVE_IDENTITY_HEADER]: JSON.stringify({ userId: bob, name: bob, roles: ["admin"], exp: 9_999_999_999 }) },
    });
    expect(spoofed.status).toBe(200);
    expect(await likedBy(target, alice)).toBe(true);
    expect(await likedBy(target, bob)).toBe(false);

    // On the socket, a frame naming a user is not a frame of the protocol.
    const socket = await LiveSocket.open(target, { token: aliceToken });
    await socket.next("hello");
    const afterLike = await roomFingerprint(target);
    for (const frame of [
      { type: "unlike", id: "x1", userId: bob },
      { type: "comment", id: "x2", text: "as bob", author: bob },
      { type: "react", id: "x3", emoji: "love", action: "add", user: { id: bob } },
    ]) {
      tried++;
      socket.send(frame);
    }
    await socket.next("error", () => socket.of("error").length >= 3);
    for (const error of socket.of("error")) expect(error.error.code).toBe("invalid_request");
    refused += socket.of("error").length;
    socket.close();
    expect(await roomFingerprint(target)).toBe(afterLike);
    expect(await likedBy(target, bob)).toBe(false);
    printReliability({ kind: "bad-input", suite: "abuse: user A writing as B", tried, refused });
  });

  it("never answers B's write with A's Idempotency-Key result", async () => {
    const target = uniqueTarget();
    const [alice, bob] = [uniqueUser("alice"), uniqueUser("bob")];
    const key = { "idempotency-key": "shared-key" };
    expect((await like(target, alice, "like", key)).body).toMatchObject({ liked: true, count: 1, changed: true });
    expect((await like(target, bob, "like", key)).body).toMatchObject({ liked: true, count: 2, changed: true });
    const aliceComment = await postComment(target, alice, { text: "alice says" }, key);
    const bobComment = await postComment(target, bob, { text: "bob says" }, key);
    expect(bobComment.status).toBe(201);
    const [a, b] = [(await aliceComment.json()) as { id: string; author: { id: string } }, (await bobComment.json()) as { id: string; author: { id: string } }];
    expect(b.id).not.toBe(a.id);
    expect(b.author.id).toBe(bob);
    expect(await likedBy(target, bob)).toBe(true);
  });

  it("keeps a user's deletion receipt from everyone else", async () => {
    const [alice, mallory] = [uniqueUser("alice"), uniqueUser("mallory")];
    const started = await api("DELETE", "/v1/users/me", await tokenFor(alice));
    expect(started.status).toBe(202);
    const receiptId = started.body.receiptId as string;
    const peek = await api("GET", `/v1/users/me/deletions/${receiptId}`, await tokenFor(mallory));
    expect(peek).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect((await api("GET", `/v1/users/me/deletions/${receiptId}`, await tokenFor(alice))).status).toBe(200);
  });
});

describe("moderation and admin routes without the role", () => {
  it("refuses other rooms' moderators, members and made-up roles on every moderation route, changing nothing", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const ownerToken = await registerAs(target, owner);
    const { id: commentId } = await comment(target, uniqueUser("author"), "a comment");
    const elsewhere = uniqueTarget("stream");
    const otherOwner = uniqueUser("other-owner");
    const otherOwnerToken = await registerAs(elsewhere, otherOwner);
    const otherMod = uniqueUser("other-mod");
    expect((await api("POST", targetPath(elsewhere, "/moderators"), otherOwnerToken, { userId: otherMod })).status).toBe(200);
    const mod = uniqueUser("mod");
    expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: mod })).status).toBe(200);

    const someone = uniqueUser();
    const moderatorCalls: [string, string, unknown][] = [
      ["POST", targetPath(target, "/bans"), { userId: someone }],
      ["DELETE", targetPath(target, `/bans/${someone}`), undefined],
      ["GET", targetPath(target, "/bans"), undefined],
      ["PATCH", targetPath(target, "/settings"), { membersOnly: true }],
      ["GET", targetPath(target, "/members"), undefined],
      ["GET", targetPath(target, "/reports"), undefined],
      ["DELETE", targetPath(target, `/comments/${commentId}`), undefined],
      ["POST", targetPath(target, `/comments/${commentId}/highlight`), { highlighted: true }],
      ["PUT", targetPath(target, "/pin"), { commentId }],
      ["DELETE", targetPath(target, "/pin"), undefined],
    ];
    const ownerCalls: [string, string, unknown][] = [
      ["POST", targetPath(target, "/moderators"), { userId: someone }],
      ["DELETE", targetPath(target, `/moderators/${mod}`), undefined],
      ["PUT", targetPath(target, "/members"), { userIds: [someone] }],
      ["POST", targetPath(target, "/members"), { userId: someone }],
      ["DELETE", targetPath(target, `/members/${someone}`), undefined],
    ];
    const outsiders: [string, string][] = [
      ["another room's owner", otherOwnerToken],
      ["another room's moderator", await tokenFor(otherMod)],
      ["a member by token role", await tokenFor(uniqueUser("member"), { roles: [`member:${target}`] })],
      ["made-up roles", await tokenFor(uniqueUser("pretender"), { roles: ["moderator", "owner", "Admin", "ADMIN", " admin", `moderator:${target}`, `owner:${target}`, "*"] })],
    ];
    const before = await roomFingerprint(target);
    let tried = 0;
    let refused = 0;
    for (const [who, token] of outsiders) {
      for (const [method, path, body] of [...moderatorCalls, ...ownerCalls]) {
        tried++;
        const answer = await api(method, path, token, body);
        expect(answer, `${who}: ${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
        refused++;
      }
    }
    // The room's own moderator moderates, but appointing moderators and members is the owner's.
    const modToken = await tokenFor(mod);
    for (const [method, path, body] of ownerCalls) {
      tried++;
      const answer = await api(method, path, modToken, body);
      expect(answer, `moderator: ${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
      refused++;
    }
    expect(await roomFingerprint(target)).toBe(before);
    expect((await api("GET", targetPath(target, "/bans"), modToken)).status).toBe(200);
    printReliability({ kind: "bad-input", suite: "abuse: moderation without the role", tried, refused });
  });

  it("refuses admin routes to tokens without the exact admin role", async () => {
    const target = uniqueTarget();
    await like(target, uniqueUser());
    const before = await roomFingerprint(target);
    const calls: [string, string, unknown][] = [
      ["POST", "/v1/admin/reconcile", undefined],
      ["GET", "/v1/admin/reconcile/last", undefined],
      ["GET", "/v1/admin/health", undefined],
      ["GET", `/v1/admin/targets/${target}/metrics`, undefined],
      ["GET", `/v1/admin/targets/${target}/shards`, undefined],
      ["PUT", `/v1/admin/targets/${target}/shards`, { n: 4 }],
    ];
    const tokens = [await tokenFor(uniqueUser()), await tokenFor(uniqueUser(), { roles: ["Admin", "admin ", "administrator", "root", `member:${target}`] })];
    let tried = 0;
    let refused = 0;
    for (const token of tokens) {
      for (const [method, path, body] of calls) {
        tried++;
        const answer = await api(method, path, token, body);
        expect(answer, `${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
        refused++;
      }
    }
    expect(await roomFingerprint(target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "abuse: admin routes without the role", tried, refused });
  });
});

describe("a banned user", () => {
  it("cannot comment, reply, react or lift the ban, over REST or the socket, and the room is unchanged for everyone else", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const { id: commentId } = await comment(target, uniqueUser("author"), "before the ban");
    const troll = uniqueUser("troll");
    const timedOut = uniqueUser("timed-out");
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: troll, reason: "abuse" })).status).toBe(201);
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: timedOut, durationSeconds: 600 })).status).toBe(201);
    const before = await roomFingerprint(target);
    let tried = 0;
    let refused = 0;
    for (const user of [troll, timedOut]) {
      const token = await tokenFor(user);
      const attempts: [string, string, unknown][] = [
        ["POST", targetPath(target, "/comments"), { text: "let me in" }],
        ["POST", targetPath(target, "/comments"), { text: "a reply", replyTo: commentId }],
        ["POST", "/v1/reactions", { target, emoji: "love", action: "add" }],
        ["POST", "/v1/reactions", { target: `comment:${commentId}`, emoji: "love", action: "add" }],
        ["DELETE", targetPath(target, `/bans/${user}`), undefined],
      ];
      for (const [method, path, body] of attempts) {
        tried++;
        const answer = await api(method, path, token, body);
        expect(answer.status, `${user}: ${method} ${path} ${JSON.stringify(answer.body)}`).toBe(403);
        expect(answer.body).toMatchObject({ error: { code: expect.stringMatching(/^(banned|forbidden)$/) } });
        refused++;
      }
      const socket = await LiveSocket.open(target, { token });
      await socket.next("hello");
      socket.send({ type: "comment", id: "c", text: "over the socket" });
      socket.send({ type: "react", id: "r", emoji: "wow", action: "add" });
      socket.send({ type: "react", id: "rc", emoji: "wow", action: "add", commentId });
      tried += 3;
      for (const id of ["c", "r", "rc"]) {
        expect((await socket.next("error", (f) => f.id === id)).error.code).toBe("banned");
        refused++;
      }
      socket.close();
    }
    expect(await roomFingerprint(target)).toBe(before);
    // Everyone else still comments and reacts.
    const bystander = uniqueUser("bystander");
    expect((await postComment(target, bystander, { text: "still open" })).status).toBe(201);
    expect((await postJson("/v1/reactions", { target, emoji: "love", action: "add" }, { token: await tokenFor(bystander) })).status).toBe(200);
    printReliability({ kind: "bad-input", suite: "abuse: banned users writing", tried, refused });
  });
});

describe("odd claims in a validly signed token", () => {
  const signed = (claims: Record<string, unknown>) =>
    sign({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600, ...claims }, TEST_AUTH_SECRET, "HS256");

  /** Posts a comment over REST and over the socket; both must carry `name`, and the socket must know the user. */
  async function expectNamed(claims: Record<string, unknown> & { sub: string }, name: string, what: string) {
    const token = await signed(claims);
    const target = uniqueTarget("stream");
    const rest = await answerOf(await postJson(`/v1/targets/${target}/comments`, { text: `rest ${what}` }, { token }));
    expect(rest.status, `${what}: ${rest.text}`).toBe(201);
    expect((rest.body as { author: unknown }).author, what).toEqual({ id: claims.sub, name });
    const socket = await LiveSocket.open(target, { token });
    expect((await socket.next("hello")).user, `${what}: the socket knows the user`).toEqual({ id: claims.sub });
    socket.send({ type: "comment", id: "c", text: `socket ${what}` });
    const ack = await socket.next("ack", (frame) => frame.id === "c");
    expect(ack.comment?.author, what).toEqual({ id: claims.sub, name });
    socket.send({ type: "like", id: "l" });
    expect((await socket.next("ack", (frame) => frame.id === "l")).result, what).toMatchObject({ liked: true });
    socket.close();
  }

  it("falls back to the user id for a name that is empty, blank, invisible or not a string", async () => {
    const sub = uniqueUser("odd");
    for (const name of ["", "   ", "\t\n", "\u200b\u2060\u3164", "\u202e\u2066\u2069", "\u2800", "\u0301\u0301", "\ud800", 42, null, { first: "a" }, ["a"], true]) {
      await expectNamed({ sub, name }, sub, `name ${JSON.stringify(name)}`);
    }
  });

  it("cleans bidi overrides, zero-width characters and spacing out of a name, and cuts a huge one to 64 units", async () => {
    const sub = uniqueUser("odd");
    await expectNamed({ sub, name: "\u202eecilA\u202c" }, "ecilA", "override");
    await expectNamed({ sub, name: "A\u200bl\u200di\u2060ce" }, "Alice", "zero-width");
    await expectNamed({ sub, name: "  Ada \n\t Lovelace  " }, "Ada Lovelace", "spacing");
    await expectNamed({ sub, name: "bob\udc00" }, "bob", "lone surrogate");
    await expectNamed({ sub, name: "x".repeat(2_000) }, "x".repeat(64), "2,000 characters");
    // Past what the socket's 4 KiB query carries, REST still reads it.
    const huge = await postJson(`/v1/targets/${uniqueTarget("stream")}/comments`, { text: "huge" }, { token: await signed({ sub, name: "y".repeat(20_000) }) });
    expect(huge.status).toBe(201);
    expect(((await huge.json()) as { author: { name: string } }).author.name).toBe("y".repeat(64));
    await expectNamed({ sub, name: "😀".repeat(40) }, "😀".repeat(32), "emoji cut between characters");
  });

  it("counts repeated roles once, keeps the socket's identity and its rights, and reads thousands of roles", async () => {
    const admin = uniqueUser("admin");
    await expectNamed({ sub: admin, roles: Array(5).fill("admin") }, admin, "admin five times");
    await expectNamed({ sub: admin, roles: [...Array(5).fill("admin"), ...Array(5).fill("member:stream:x")] }, admin, "repeats of two roles");
    // 100 roles still fit the socket's 4 KiB query; REST takes 5,001 (a role per room adds up).
    await expectNamed({ sub: admin, roles: [...Array.from({ length: 99 }, (_, i) => `member:post:${i}`), "admin"] }, admin, "100 roles");
    const many = [...Array.from({ length: 5_000 }, (_, i) => `member:post:${i}`), "admin"];
    expect((await api("GET", "/v1/admin/health", await signed({ sub: admin, roles: many }))).status).toBe(200);

    // A members-only room: the member role, repeated, still lets its holder comment on the socket.
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { membersOnly: true })).status).toBe(200);
    const member = uniqueUser("member");
    const socket = await LiveSocket.open(target, { token: await signed({ sub: member, roles: Array(6).fill(`member:${target}`) }) });
    await socket.next("hello");
    socket.send({ type: "comment", id: "m", text: "a member speaks" });
    expect((await socket.next("ack", (frame) => frame.id === "m")).comment?.author.id).toBe(member);
    socket.close();
  });

  it("refuses claims it cannot read with a 401 that names the claim, never a 500", async () => {
    const target = uniqueTarget("stream");
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["roles not strings", { sub: uniqueUser(), roles: [1, 2] }, /roles/],
      ["roles a string", { sub: uniqueUser(), roles: "admin" }, /roles/],
      ["roles of objects", { sub: uniqueUser(), roles: [{ admin: true }] }, /roles/],
      ["300 numeric roles", { sub: uniqueUser(), roles: Array.from({ length: 300 }, (_, i) => i) }, /^[^;]*(;[^;]*){0,2}$/],
      ["empty sub", { sub: "" }, /sub/],
      ["numeric sub", { sub: 42 }, /sub/],
      ["sub with a zero-width space", { sub: "alice\u200b" }, /sub/],
      ["sub with an override", { sub: "\u202ealice" }, /sub/],
      ["sub with edge spaces", { sub: " alice " }, /sub/],
      ["sub with a lone surrogate", { sub: "alice\ud800" }, /sub/],
      ["sub over 128 characters", { sub: "a".repeat(129) }, /sub/],
      ["float exp", { sub: uniqueUser(), exp: Math.floor(Date.now() / 1000) + 3600.5 }, /exp/],
    ];
    for (const [what, claims, names] of cases) {
      const token = await signed(claims);
      for (const res of [
        await postJson(`/v1/targets/${target}/comments`, { text: "hi" }, { token }),
        await postJson("/v1/likes", { target, action: "like" }, { token }),
        await postJson("/v1/live/tickets", { target }, { token }),
      ]) {
        const answer = await answerOf(res);
        expect(answer.status, `${what}: ${answer.text}`).toBe(401);
        const error = (answer.body as { error: { code: string; message: string } }).error;
        expect(error.code).toBe("unauthorized");
        expect(error.message, what).toMatch(names);
      }
    }
    expect((await listComments(target)).items).toEqual([]);
  });
});
