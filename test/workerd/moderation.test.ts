import { describe, expect, it } from "vitest";
import { DEFAULT_ROOM_SETTINGS } from "../../protocol/moderation";
import { roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";
import type { ErrorFrame } from "../../protocol/live";
import { api, registerAs, targetPath } from "./moderation-helpers";
import { comment as postedCommentAs, deleteComment } from "./comment-helpers";

const postedComment = (target: string, author: string) => postedCommentAs(target, author, `a comment by ${author}`);

const adminToken = () => tokenFor(uniqueUser("admin"), { roles: ["admin"] });

describe("target registration", () => {
  it("makes the first caller the owner and refuses another user with 409", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const created = await api("PUT", targetPath(target), await tokenFor(owner), { title: "Launch stream" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ target, owner, title: "Launch stream", settings: DEFAULT_ROOM_SETTINGS, moderators: [], pinned: null });

    const stolen = await api("PUT", targetPath(target), await tokenFor(uniqueUser()), { title: "Mine now" });
    expect(stolen.status).toBe(409);
    expect(stolen.body).toMatchObject({ error: { code: "already_registered" } });
    expect((await api("GET", targetPath(target), null)).body).toMatchObject({ owner, title: "Launch stream" });
  });

  it("lets the owner and an admin retitle the target with 200", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const ownerToken = await registerAs(target, owner);
    const retitled = await api("PUT", targetPath(target), ownerToken, { title: "  Second title  " });
    expect(retitled).toMatchObject({ status: 200, body: { owner, title: "Second title" } });
    const byAdmin = await api("PUT", targetPath(target), await adminToken(), { title: "Admin title" });
    expect(byAdmin).toMatchObject({ status: 200, body: { owner, title: "Admin title" } });
  });

  it("answers an unregistered target with no owner and default settings", async () => {
    const target = uniqueTarget();
    const info = await api("GET", targetPath(target), null);
    expect(info).toMatchObject({ status: 200, body: { target, owner: null, title: null, settings: DEFAULT_ROOM_SETTINGS, pinned: null } });
  });

  it("refuses registration without a token or with an empty title", async () => {
    const target = uniqueTarget();
    expect((await api("PUT", targetPath(target), null, { title: "x" })).status).toBe(401);
    expect((await api("PUT", targetPath(target), await tokenFor(uniqueUser()), { title: "   " })).status).toBe(400);
  });
});

describe("moderators", () => {
  it("lets the owner add and remove moderators, and the added moderator moderate", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const mod = uniqueUser("mod");
    const added = await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: mod });
    expect(added).toMatchObject({ status: 200, body: { moderators: [mod] } });
    expect((await api("GET", targetPath(target), null)).body.moderators).toEqual([mod]);

    const modToken = await tokenFor(mod);
    expect((await api("GET", targetPath(target, "/bans"), modToken)).status).toBe(200);
    // Moderators do not appoint moderators.
    expect((await api("POST", targetPath(target, "/moderators"), modToken, { userId: uniqueUser() })).status).toBe(403);

    const removed = await api("DELETE", targetPath(target, `/moderators/${mod}`), ownerToken);
    expect(removed).toMatchObject({ status: 200, body: { moderators: [] } });
    expect((await api("GET", targetPath(target, "/bans"), modToken)).status).toBe(403);
  });
});

describe("who may moderate", () => {
  /** Every moderation route, with a body that would be valid for a moderator. */
  async function moderationCalls(target: string) {
    const { id: comment } = await postedComment(target, uniqueUser());
    const someone = uniqueUser();
    return [
      ["POST", targetPath(target, "/moderators"), { userId: someone }],
      ["DELETE", targetPath(target, `/moderators/${someone}`), undefined],
      ["POST", targetPath(target, "/bans"), { userId: someone }],
      ["DELETE", targetPath(target, `/bans/${someone}`), undefined],
      ["GET", targetPath(target, "/bans"), undefined],
      ["PATCH", targetPath(target, "/settings"), { slowModeSeconds: 5 }],
      ["GET", targetPath(target, "/members"), undefined],
      ["PUT", targetPath(target, "/members"), { userIds: [someone] }],
      ["POST", targetPath(target, "/members"), { userId: someone }],
      ["DELETE", targetPath(target, `/members/${someone}`), undefined],
      ["GET", targetPath(target, "/reports"), undefined],
      ["GET", targetPath(target, "/terms"), undefined],
      ["PUT", targetPath(target, "/terms"), { blocked: ["spam*"], suspect: [] }],
      ["GET", targetPath(target, "/modlog"), undefined],
      ["GET", targetPath(target, "/reports/by-comment"), undefined],
      ["PUT", targetPath(target), { title: "taken over" }],
      ["POST", targetPath(target, `/comments/${comment}/report`), { reason: "spam" }],
    ] as const;
  }

  it("answers 403 forbidden to a signed-in user who is not a moderator, on every moderation route", async () => {
    const target = uniqueTarget("stream");
    await registerAs(target, uniqueUser("owner"));
    const stranger = await tokenFor(uniqueUser("stranger"));
    const calls = await moderationCalls(target);
    // Retitling someone else's target is a 409 and reporting is open to every signed-in user.
    const moderatorOnly = calls.filter(([method, path]) => !(method === "PUT" && path === targetPath(target)) && !path.endsWith("/report"));
    expect(moderatorOnly).toHaveLength(calls.length - 2);
    for (const [method, path, body] of moderatorOnly) {
      expect((await api(method, path, stranger, body)).body, `${method} ${path}`).toMatchObject({ error: { code: "forbidden" } });
    }
  });

  it("lets an admin token do everything on a target it does not own", async () => {
    const target = uniqueTarget("stream");
    await registerAs(target, uniqueUser("owner"));
    const admin = await adminToken();
    for (const [method, path, body] of await moderationCalls(target)) {
      const answer = await api(method, path, admin, body);
      expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    }
  });

  it("leaves an unregistered target to admins only", async () => {
    const target = uniqueTarget();
    expect((await api("GET", targetPath(target, "/bans"), await tokenFor(uniqueUser()))).status).toBe(403);
    expect((await api("GET", targetPath(target, "/bans"), await adminToken())).status).toBe(200);
  });

  it("answers 401 without a token", async () => {
    const target = uniqueTarget();
    expect((await api("GET", targetPath(target, "/bans"), null)).status).toBe(401);
    expect((await api("PATCH", targetPath(target, "/settings"), null, { membersOnly: true })).status).toBe(401);
  });
});

describe("bans and timeouts", () => {
  it("lists a ban with who set it and why, and lifts it", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const ownerToken = await registerAs(target, owner);
    const troll = uniqueUser("troll");
    const banned = await api("POST", targetPath(target, "/bans"), ownerToken, { userId: troll, reason: "spam links" });
    expect(banned).toMatchObject({ status: 201, body: { userId: troll, until: null, reason: "spam links", by: owner } });
    const listed = await api("GET", targetPath(target, "/bans"), ownerToken);
    expect(listed.body.bans).toEqual([banned.body]);

    expect((await api("DELETE", targetPath(target, `/bans/${troll}`), ownerToken)).body).toEqual({ userId: troll, lifted: true });
    expect((await api("GET", targetPath(target, "/bans"), ownerToken)).body.bans).toEqual([]);
    expect((await api("DELETE", targetPath(target, `/bans/${troll}`), ownerToken)).body).toEqual({ userId: troll, lifted: false });
  });

  it("ends a timeout by itself once its duration has passed", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const user = uniqueUser();
    const before = Date.now();
    const timeout = await api("POST", targetPath(target, "/bans"), ownerToken, { userId: user, durationSeconds: 1 });
    expect(timeout.status).toBe(201);
    const until = Date.parse(String(timeout.body.until));
    expect(until).toBeGreaterThanOrEqual(before + 1000);
    expect((await api("GET", targetPath(target, "/bans"), ownerToken)).body.bans).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, until - Date.now() + 50));
    expect((await api("GET", targetPath(target, "/bans"), ownerToken)).body.bans).toEqual([]);
  });

  it("protects the owner and moderators from moderators, and lets the owner ban a moderator", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const ownerToken = await registerAs(target, owner);
    const [modA, modB] = [uniqueUser("modA"), uniqueUser("modB")];
    for (const mod of [modA, modB]) await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: mod });
    const modAToken = await tokenFor(modA);

    expect((await api("POST", targetPath(target, "/bans"), modAToken, { userId: owner })).status).toBe(403);
    expect((await api("POST", targetPath(target, "/bans"), modAToken, { userId: modB })).status).toBe(403);
    expect((await api("POST", targetPath(target, "/bans"), modAToken, { userId: modA })).status).toBe(400);
    expect((await api("POST", targetPath(target, "/bans"), await adminToken(), { userId: owner })).status).toBe(403);

    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: modB })).status).toBe(201);
    expect((await api("GET", targetPath(target), null)).body.moderators).toEqual([modA]);
  });

  it("refuses a ban body with a bad duration or an unknown field", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    for (const body of [{ userId: "u", durationSeconds: 0 }, { userId: "u", durationSeconds: 1.5 }, { userId: "u", forever: true }, {}]) {
      expect((await api("POST", targetPath(target, "/bans"), ownerToken, body)).status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("room settings", () => {
  it("applies a patch, answers the settings in force and sends viewers a settings event", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const socket = await LiveSocket.open(target);
    const hello = await socket.next("hello");
    const patched = await api("PATCH", targetPath(target, "/settings"), ownerToken, { slowModeSeconds: 30, filter: "reject" });
    const expected = { ...DEFAULT_ROOM_SETTINGS, slowModeSeconds: 30, filter: "reject" };
    expect(patched).toMatchObject({ status: 200, body: expected });
    const event = await socket.next("event", (frame) => frame.event.kind === "settings");
    expect(event).toMatchObject({ seq: hello.seq + 1, replay: false, event: { kind: "settings", settings: expected } });
    expect((await api("GET", targetPath(target), null)).body.settings).toEqual(expected);
    expect((await roomStub(target).snapshot(target)).settings).toEqual(expected);
    socket.close();
  });

  it("refuses slow mode over 120 s, an empty patch and unknown settings with 400", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    for (const body of [{ slowModeSeconds: 121 }, {}, { commentsEnabled: "no" }, { shadowBan: true }, { filter: "loud" }]) {
      const answer = await api("PATCH", targetPath(target, "/settings"), ownerToken, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api("GET", targetPath(target), null)).body.settings).toEqual(DEFAULT_ROOM_SETTINGS);
  });
});

describe("members list", () => {
  it("replaces, adds to and removes from the members list (owner only)", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const ownerToken = await registerAs(target, owner);
    const replaced = await api("PUT", targetPath(target, "/members"), ownerToken, { userIds: ["m-2", "m-1", "m-2"] });
    expect(replaced).toMatchObject({ status: 200, body: { members: ["m-1", "m-2"] } });
    expect((await api("POST", targetPath(target, "/members"), ownerToken, { userId: "m-3" })).body).toEqual({ userId: "m-3", member: true, changed: true });
    expect((await api("POST", targetPath(target, "/members"), ownerToken, { userId: "m-3" })).body).toEqual({ userId: "m-3", member: true, changed: false });
    expect((await api("DELETE", targetPath(target, "/members/m-1"), ownerToken)).body).toEqual({ userId: "m-1", member: false, changed: true });
    expect((await api("GET", targetPath(target, "/members"), ownerToken)).body).toEqual({ members: ["m-2", "m-3"] });

    const mod = uniqueUser("mod");
    await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: mod });
    const modToken = await tokenFor(mod);
    expect((await api("GET", targetPath(target, "/members"), modToken)).status).toBe(200);
    expect((await api("PUT", targetPath(target, "/members"), modToken, { userIds: [] })).status).toBe(403);
  });

  it("takes a full list of 1,000 long user ids and refuses 1,001", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const ids = Array.from({ length: 1_000 }, (_, i) => `${String(i).padStart(4, "0")}-${"x".repeat(120)}`);
    const full = await api("PUT", targetPath(target, "/members"), ownerToken, { userIds: ids });
    expect(full.status).toBe(200);
    expect(full.body.members).toHaveLength(1_000);
    expect((await api("POST", targetPath(target, "/members"), ownerToken, { userId: "one-more" })).status).toBe(409);
    const over = await api("PUT", targetPath(target, "/members"), ownerToken, { userIds: [...ids.map((id) => id.slice(0, 10)), "extra"] });
    expect(over.status).toBe(400);
  });
});

describe("reports", () => {
  it("records one report per user per comment and lists them newest first to moderators", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const { id: comment } = await postedComment(target, uniqueUser());
    const [alice, bob] = [uniqueUser("alice"), uniqueUser("bob")];
    const path = targetPath(target, `/comments/${comment}/report`);

    const first = await api("POST", path, await tokenFor(alice), { reason: "insults" });
    expect(first).toMatchObject({ status: 201, body: { commentId: comment, reporter: alice, reason: "insults" } });
    const repeat = await api("POST", path, await tokenFor(alice), { reason: "changed my mind" });
    expect(repeat).toMatchObject({ status: 200, body: first.body });
    const second = await api("POST", path, await tokenFor(bob), { reason: "spam" });
    expect(second.status).toBe(201);

    const page1 = await api("GET", targetPath(target, "/reports?limit=1"), ownerToken);
    expect(page1.body.reports).toEqual([second.body]);
    const page2 = await api("GET", targetPath(target, `/reports?limit=1&cursor=${page1.body.nextCursor}`), ownerToken);
    expect(page2.body).toEqual({ reports: [first.body], nextCursor: null });
    expect((await api("GET", targetPath(target, "/reports?cursor=bogus"), ownerToken)).status).toBe(400);
  });

  it("answers 404 for a comment that does not exist or was deleted", async () => {
    const target = uniqueTarget("stream");
    await registerAs(target, uniqueUser("owner"));
    const author = uniqueUser();
    const { id: deleted } = await postedComment(target, author);
    expect((await deleteComment(target, author, deleted)).status).toBe(200);
    const token = await tokenFor(uniqueUser());
    expect((await api("POST", targetPath(target, `/comments/${deleted}/report`), token, { reason: "x" })).status).toBe(404);
    const unknown = "000000000aaaaaaaAAAAAA";
    expect((await api("POST", targetPath(target, `/comments/${unknown}/report`), token, { reason: "x" })).status).toBe(404);
    expect((await api("POST", targetPath(target, `/comments/${deleted}/report`), token, { reason: "" })).status).toBe(400);
  });
});

describe("likes rate limit", () => {
  it("answers likes over 100 a minute with 429 and Retry-After, on REST and on the socket", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const token = await tokenFor(user);
    const started = Date.now();
    for (let i = 0; i < 100; i++) {
      const res = await api("POST", "/v1/likes/toggle", token, { target });
      expect(res.status, `toggle ${i + 1}`).toBe(200);
    }
    // The budget refills one like every 600 ms, so a few more may pass while the test runs.
    let passed = 0;
    let limited = await api("POST", "/v1/likes", token, { target, action: "like" });
    while (limited.status === 200 && passed < 20) {
      passed++;
      limited = await api("POST", "/v1/likes", token, { target, action: "like" });
    }
    expect(passed).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 600) + 1);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: "rate_limited" } });
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const socket = await LiveSocket.open(target, { token });
    await socket.next("hello");
    let refusal: ErrorFrame | null = null;
    for (let i = 0; i < 5 && refusal === null; i++) {
      socket.send({ type: "like", id: `frame-${i}` });
      await Promise.race([socket.next("ack", (f) => f.id === `frame-${i}`), socket.next("error", (f) => f.id === `frame-${i}`)]);
      refusal = socket.of("error").find((f) => f.id === `frame-${i}`) ?? null;
    }
    expect(refusal).toMatchObject({ error: { code: "rate_limited", retryAfterSeconds: expect.any(Number) } });
    socket.close();

    // Per user per room: another user, and the same user elsewhere, are not limited.
    expect((await api("POST", "/v1/likes", await tokenFor(uniqueUser()), { target, action: "like" })).status).toBe(200);
    expect((await api("POST", "/v1/likes", token, { target: uniqueTarget(), action: "like" })).status).toBe(200);
  });
});

describe("forgetting a user", () => {
  it("removes them from moderators, members, bans and their reports", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const [gone, other] = [uniqueUser("gone"), uniqueUser("other")];
    await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: gone });
    await api("POST", targetPath(target, "/members"), ownerToken, { userId: gone });
    const { id: comment } = await postedComment(target, other);
    await api("POST", targetPath(target, `/comments/${comment}/report`), await tokenFor(gone), { reason: "x" });
    await api("POST", targetPath(target, `/comments/${comment}/report`), await tokenFor(other), { reason: "y" });
    // Banned by the user who is forgotten next: the ban stays, without naming them.
    await api("POST", targetPath(target, "/bans"), await tokenFor(gone), { userId: other });

    await roomStub(target).forgetUser({ target, userId: gone });

    expect((await api("GET", targetPath(target), null)).body.moderators).toEqual([]);
    expect((await api("GET", targetPath(target, "/members"), ownerToken)).body.members).toEqual([]);
    const reports = (await api("GET", targetPath(target, "/reports"), ownerToken)).body.reports;
    expect(reports).toMatchObject([{ reporter: other }]);
    expect((await api("GET", targetPath(target, "/bans"), ownerToken)).body.bans).toMatchObject([{ userId: other, by: "(forgotten)" }]);
  });

  it("lifts a ban on the forgotten user", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const gone = uniqueUser("gone");
    await api("POST", targetPath(target, "/bans"), ownerToken, { userId: gone });
    await roomStub(target).forgetUser({ target, userId: gone });
    expect((await api("GET", targetPath(target, "/bans"), ownerToken)).body.bans).toEqual([]);
  });
});

describe("API description", () => {
  it("publishes every moderation route in the OpenAPI document", async () => {
    const doc = (await api("GET", "/openapi.json", null)).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        "PUT /v1/targets/{target}",
        "GET /v1/targets/{target}",
        "POST /v1/targets/{target}/moderators",
        "DELETE /v1/targets/{target}/moderators/{userId}",
        "POST /v1/targets/{target}/bans",
        "DELETE /v1/targets/{target}/bans/{userId}",
        "GET /v1/targets/{target}/bans",
        "PATCH /v1/targets/{target}/settings",
        "GET /v1/targets/{target}/members",
        "PUT /v1/targets/{target}/members",
        "POST /v1/targets/{target}/members",
        "DELETE /v1/targets/{target}/members/{userId}",
        "POST /v1/targets/{target}/comments/{id}/report",
        "GET /v1/targets/{target}/reports",
      ]),
    );
  });
});
