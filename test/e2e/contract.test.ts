import { sign } from "hono/jwt";
import { describe, expect, inject, it } from "vitest";
import { createResponseValidator } from "./openapi-validator";
import { E2E_AUTH_SECRET, e2eToken, uniqueTarget, uniqueUser } from "./secret";

/**
 * Walks the published operations with real answers, good and bad. These tests assert little
 * themselves: test/e2e/contract-setup.ts checks each answer against /openapi.json, so an
 * undocumented status, media type or body shape fails the test that received it.
 */
const baseUrl = inject("baseUrl");

async function adminToken(userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + 600, roles: ["admin"] }, E2E_AUTH_SECRET, "HS256");
}

interface Call {
  method?: string;
  token?: string;
  body?: unknown;
  raw?: { body: string; contentType?: string };
}

async function api(path: string, call: Call = {}): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  let body: string | undefined;
  if (call.raw !== undefined) {
    body = call.raw.body;
    if (call.raw.contentType !== undefined) headers["content-type"] = call.raw.contentType;
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${baseUrl}${path}`, { method: call.method ?? "GET", headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text) };
}

const enc = encodeURIComponent;

describe("every answer matches /openapi.json", () => {
  it("catches an answer the document does not describe (the check itself can fail)", async () => {
    const check = createResponseValidator(await (await fetch(`${baseUrl}/openapi.json`)).json());
    const likeAnswer = { method: "POST", path: "/v1/likes", contentType: "application/json" };
    expect(check({ ...likeAnswer, status: 418, body: "{}" })[0]).toContain("status 418 is not documented");
    expect(check({ ...likeAnswer, status: 200, body: '{"liked":"yes"}' })[0]).toContain("does not match the documented schema");
    expect(check({ ...likeAnswer, status: 200, contentType: "text/plain", body: "ok" })[0]).toContain("content-type text/plain");
    expect(check({ method: "GET", path: "/v1/nowhere", status: 404, contentType: "application/json", body: "{}" })[0]).toContain("no path");
    expect(check({ method: "GET", path: "/health", status: 200, contentType: "application/json", body: '{"ok":true}' })).toEqual([]);
  });

  it("likes, counts and reads", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const token = await e2eToken(user);
    expect((await api("/v1/likes", { method: "POST", token, body: { target, action: "like" } })).status).toBe(200);
    expect((await api("/v1/likes/toggle", { method: "POST", token, body: { target } })).status).toBe(200);
    expect((await api(`/v1/targets/${enc(target)}/count`)).status).toBe(200);
    expect((await api(`/v1/targets/${enc(target)}/stats`)).status).toBe(200);
    expect((await api("/v1/counts/batch", { method: "POST", body: { targets: [target] } })).status).toBe(200);
    expect((await api(`/v1/users/${user}/likes/${enc(target)}`)).status).toBe(200);
    expect((await api(`/v1/users/${user}/likes?limit=5`)).status).toBe(200);
    expect((await api(`/v1/analytics/targets/${enc(target)}?window=1h`)).status).toBe(200);
    expect((await api("/v1/analytics/top?metric=likes&window=1h&limit=3")).status).toBe(200);
    expect((await api("/health")).status).toBe(200);
  });

  it("refuses bad requests with documented errors: 400, 401, 413, 415, 426", async () => {
    const target = uniqueTarget();
    const token = await e2eToken(uniqueUser());
    expect((await api("/v1/likes", { method: "POST", body: { target, action: "like" } })).status).toBe(401);
    expect((await api("/v1/likes", { method: "POST", token, raw: { body: "{not json", contentType: "application/json" } })).status).toBe(400);
    expect((await api("/v1/likes", { method: "POST", token, raw: { body: "target=x", contentType: "text/plain" } })).status).toBe(415);
    expect((await api("/v1/likes", { method: "POST", token, raw: { body: "x".repeat(20_000), contentType: "application/json" } })).status).toBe(413);
    expect((await api("/v1/targets/nope/count")).status).toBe(400);
    expect((await api(`/v1/targets/${enc(target)}/live`)).status).toBe(426);
    expect((await api(`/v1/targets/${enc(target)}/live?since=x`)).status).toBe(400);
  });

  it("reactions, with a named reaction, and their 429 past the room's rate", async () => {
    const target = uniqueTarget();
    const token = await e2eToken(uniqueUser());
    const react = (action: "add" | "remove") => api("/v1/reactions", { method: "POST", token, body: { target, emoji: "love", action } });
    expect((await react("add")).status).toBe(200);
    expect((await api(`/v1/targets/${enc(target)}/reactions/love/users?limit=5`)).status).toBe(200);
    // Likes and reactions share one per-user budget per room (REACTION_RATE_PER_MINUTE, 100).
    const statuses = new Set<number>();
    for (let round = 0; round < 12 && !statuses.has(429); round++) {
      const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => react(i % 2 === 0 ? "remove" : "add")));
      for (const answer of answers) statuses.add(answer.status);
    }
    expect(statuses).toContain(429);
  });

  it("comments, moderation and a target's settings", async () => {
    const target = uniqueTarget().replace(/^post:/, "stream:");
    const owner = uniqueUser();
    const ownerToken = await e2eToken(owner);
    const viewer = uniqueUser();
    const viewerToken = await e2eToken(viewer);
    const t = `/v1/targets/${enc(target)}`;
    expect((await api(t, { method: "PUT", token: ownerToken, body: { title: "contract walk" } })).status).toBe(201);
    expect((await api(t)).status).toBe(200);

    const posted = await api(`${t}/comments`, { method: "POST", token: viewerToken, body: { text: "hello 🎉" } });
    expect(posted.status).toBe(201);
    const id = (posted.body as { id: string }).id;
    expect((await api(`${t}/comments`, { method: "POST", token: viewerToken, body: { text: "   " } })).status).toBe(400);
    expect((await api(`${t}/comments?limit=5`)).status).toBe(200);
    expect((await api(`${t}/comments/top?limit=5`)).status).toBe(200);
    expect((await api(`${t}/comments/${id}`)).status).toBe(200);
    expect((await api(`${t}/comments/${id}/report`, { method: "POST", token: ownerToken, body: { reason: "test" } })).status).toBeLessThan(300);
    expect((await api(`${t}/reports`, { token: ownerToken })).status).toBe(200);
    expect((await api(`${t}/comments/${id}/highlight`, { method: "POST", token: ownerToken, body: { highlighted: true } })).status).toBe(200);
    expect((await api(`${t}/pin`, { method: "PUT", token: ownerToken, body: { commentId: id } })).status).toBe(200);
    expect((await api(`${t}/pin`, { method: "DELETE", token: ownerToken })).status).toBe(200);

    expect((await api(`${t}/settings`, { method: "PATCH", token: ownerToken, body: {} })).status).toBe(400);
    expect((await api(`${t}/settings`, { method: "PATCH", token: ownerToken, body: { slowModeSeconds: 0 } })).status).toBe(200);
    expect((await api(`${t}/settings`, { method: "PATCH", token: viewerToken, body: { slowModeSeconds: 0 } })).status).toBe(403);
    const moderator = uniqueUser();
    expect((await api(`${t}/moderators`, { method: "POST", token: ownerToken, body: { userId: moderator } })).status).toBe(200);
    expect((await api(`${t}/moderators/${moderator}`, { method: "DELETE", token: ownerToken })).status).toBe(200);
    expect((await api(`${t}/bans`, { method: "POST", token: ownerToken, body: { userId: moderator, durationSeconds: 60 } })).status).toBe(201);
    expect((await api(`${t}/bans`, { token: ownerToken })).status).toBe(200);
    expect((await api(`${t}/bans/${moderator}`, { method: "DELETE", token: ownerToken })).status).toBe(200);
    expect((await api(`${t}/members`, { method: "PUT", token: ownerToken, body: { userIds: [viewer] } })).status).toBe(200);
    expect((await api(`${t}/members`, { method: "POST", token: ownerToken, body: { userId: owner } })).status).toBe(200);
    expect((await api(`${t}/members`, { token: ownerToken })).status).toBe(200);
    expect((await api(`${t}/members/${owner}`, { method: "DELETE", token: ownerToken })).status).toBe(200);
    expect((await api(`${t}/comments/${id}`, { method: "DELETE", token: viewerToken })).status).toBe(200);
  });

  it("admin and operations routes", async () => {
    const target = uniqueTarget();
    const admin = await adminToken(uniqueUser());
    const plain = await e2eToken(uniqueUser());
    expect((await api("/v1/admin/health", { token: plain })).status).toBe(403);
    expect((await api("/v1/admin/health", { token: admin })).status).toBe(200);
    expect((await api(`/v1/admin/targets/${enc(target)}/metrics`, { token: admin })).status).toBe(200);
    expect((await api(`/v1/admin/targets/${enc(target)}/shards`, { token: admin })).status).toBe(200);
    expect((await api(`/v1/admin/targets/${enc(target)}/relays`, { token: admin })).status).toBe(200);
    expect([200, 404]).toContain((await api("/v1/admin/reconcile/last", { token: admin })).status);
  });

  it("a user's deletion and its receipt", async () => {
    const token = await e2eToken(uniqueUser());
    const receipt = await api("/v1/users/me", { method: "DELETE", token });
    expect(receipt.status).toBe(202);
    const id = (receipt.body as { receiptId: string }).receiptId;
    expect((await api(`/v1/users/me/deletions/${id}`, { token })).status).toBe(200);
  });
});
