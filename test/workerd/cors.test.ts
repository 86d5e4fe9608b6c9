import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLOSE_CODES } from "../../protocol/live";
import { createApp } from "../../workers/app";
import { parseCorsOrigins } from "../../workers/cors-origins";
import { postComment } from "./comment-helpers";
import { call, postJson, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket, mintTicket } from "./live-socket";

// vitest.config.ts lists these two in CORS_ORIGINS; the Worker's own origin is helpers' BASE.
const SITE = "https://site.example";
const ALLOWED = "https://allowed.example";
const ELSEWHERE = "https://evil.example";
const OWN = "https://engagement.test";

const app = createApp();

/** The app under another CORS_ORIGINS (or ENVIRONMENT, or D1) than vitest.config.ts sets. */
async function callWith(vars: Partial<typeof env>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(`${OWN}${path}`, init, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function preflight(origin: string, method: string, headers: string): RequestInit {
  return { method: "OPTIONS", headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers } };
}

const list = (value: string | null) => (value ?? "").split(",").map((item) => item.trim().toLowerCase());

/** What a page at `origin` may read of this answer: its CORS headers, as a browser checks them. */
function corsOf(res: Response) {
  return {
    allowOrigin: res.headers.get("access-control-allow-origin"),
    exposed: list(res.headers.get("access-control-expose-headers")),
    vary: list(res.headers.get("vary")),
  };
}

function expectReadableBy(res: Response, origin: string): void {
  const cors = corsOf(res);
  expect(cors.allowOrigin, `${res.status} for ${origin}`).toBe(origin);
  expect(cors.exposed).toEqual(expect.arrayContaining(["retry-after", "x-request-id", "x-cache"]));
  expect(cors.vary).toContain("origin");
  expect(res.headers.get("access-control-allow-credentials")).toBeNull();
}

function expectHiddenFrom(res: Response): void {
  expect(corsOf(res).allowOrigin).toBeNull();
  expect(corsOf(res).vary).toContain("origin");
}

async function likeFrom(origin: string, target: string, token?: string): Promise<Response> {
  return postJson("/v1/likes", { target, action: "like" }, { ...(token === undefined ? {} : { token }), headers: { origin } });
}

describe("CORS preflights", () => {
  it("answer an allowed origin with the API's methods and headers, a max age and Vary: Origin", async () => {
    for (const origin of [SITE, ALLOWED, OWN]) {
      const res = await call("/v1/likes", preflight(origin, "POST", "authorization, content-type, idempotency-key, x-request-id"));
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      expect(list(res.headers.get("access-control-allow-methods"))).toEqual(expect.arrayContaining(["get", "post", "put", "patch", "delete"]));
      expect(list(res.headers.get("access-control-allow-headers"))).toEqual(
        expect.arrayContaining(["authorization", "content-type", "idempotency-key", "x-request-id"]),
      );
      expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
      expect(list(res.headers.get("vary"))).toContain("origin");
    }
  });

  it("give another origin no Access-Control-Allow-Origin, on any path", async () => {
    for (const path of ["/v1/likes", "/v1/targets/post:x/count", "/v1/no-such-route"]) {
      const res = await call(path, preflight(ELSEWHERE, "POST", "authorization, content-type"));
      expect(res.status).toBe(204);
      expectHiddenFrom(res);
      expect(res.headers.get("access-control-allow-methods")).toBeNull();
    }
    // A listed origin's near miss (trailing slash, other scheme, other port) is another origin.
    for (const near of [`${SITE}/`, "http://site.example", "https://site.example:8443", "null"]) {
      expectHiddenFrom(await call("/v1/likes", preflight(near, "POST", "authorization")));
    }
  });
});

describe("CORS on actual answers", () => {
  it("lets an allowed origin read a write's answer, and hides it from another origin", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const allowed = await likeFrom(SITE, target, token);
    expect(allowed.status).toBe(200);
    expectReadableBy(allowed, SITE);
    const elsewhere = await likeFrom(ELSEWHERE, uniqueTarget(), token);
    expectHiddenFrom(elsewhere);
    // The Worker's own page stays allowed without being listed.
    expectReadableBy(await likeFrom(OWN, uniqueTarget(), token), OWN);
  });

  it("carries the headers on errors: 401, 400, 413, 404, 426 and 429 with its Retry-After", async () => {
    const unauthorized = await likeFrom(SITE, uniqueTarget());
    expect(unauthorized.status).toBe(401);
    expectReadableBy(unauthorized, SITE);

    const invalid = await postJson("/v1/likes", { target: "", action: "like" }, { token: await tokenFor(uniqueUser()), headers: { origin: SITE } });
    expect(invalid.status).toBe(400);
    expectReadableBy(invalid, SITE);

    const malformed = await call("/v1/likes", {
      method: "POST",
      headers: { origin: SITE, "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser())}` },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expectReadableBy(malformed, SITE);

    const tooLarge = await call("/v1/likes", {
      method: "POST",
      headers: { origin: SITE, "content-type": "application/json" },
      body: JSON.stringify({ target: "x".repeat(20_000) }),
    });
    expect(tooLarge.status).toBe(413);
    expectReadableBy(tooLarge, SITE);

    const notFound = await call("/v1/no-such-route", { headers: { origin: SITE } });
    expect(notFound.status).toBe(404);
    expectReadableBy(notFound, SITE);

    const notUpgrade = await call(`/v1/targets/${uniqueTarget()}/live`, { headers: { origin: SITE } });
    expect(notUpgrade.status).toBe(426);
    expectReadableBy(notUpgrade, SITE);

    const target = uniqueTarget("stream");
    const user = uniqueUser();
    for (let i = 0; i < 10; i++) expect((await postComment(target, user, { text: `message ${i}` }, { origin: SITE })).status).toBe(201);
    const limited = await postComment(target, user, { text: "one too many" }, { origin: SITE });
    expect(limited.status).toBe(429);
    expectReadableBy(limited, SITE);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const elsewhere = await postComment(target, user, { text: "and from elsewhere" }, { origin: ELSEWHERE });
    expect(elsewhere.status).toBe(429);
    expectHiddenFrom(elsewhere);
  });

  it("carries the headers on the development guard's 404 and on a 500", async () => {
    const guarded = await callWith({ ENVIRONMENT: "production" }, "/v1/dev/token", {
      method: "POST",
      headers: { origin: SITE, "content-type": "application/json" },
      body: JSON.stringify({ userId: "ada" }),
    });
    expect(guarded.status).toBe(404);
    expectReadableBy(guarded, SITE);

    // A D1 without our tables: reading a deletion receipt (D1 keeps those) fails as it would
    // during an outage.
    const token = await tokenFor(uniqueUser());
    const failed = await callWith({ DB: env.UNMIGRATED_DB }, `/v1/users/me/deletions/${crypto.randomUUID()}`, {
      headers: { origin: SITE, authorization: `Bearer ${token}` },
    });
    expect(failed.status).toBe(500);
    expectReadableBy(failed, SITE);
  });

  it("puts Vary: Origin on answers to requests without an Origin", async () => {
    const res = await call(`/v1/targets/${uniqueTarget()}/count`);
    expect(res.status).toBe(200);
    expect(list(res.headers.get("vary"))).toContain("origin");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("edge-cached answers", () => {
  it("get the CORS headers of the request they answer, never those of the request that filled the cache", async () => {
    for (const view of ["count", "stats"]) {
      const path = `/v1/targets/${uniqueTarget()}/${view}`;
      const warm = await call(path, { headers: { origin: SITE } });
      expect(warm.headers.get("x-cache")).toBe("MISS");
      expectReadableBy(warm, SITE);

      const other = await call(path, { headers: { origin: ALLOWED } });
      expect(other.headers.get("x-cache")).toBe("HIT");
      expectReadableBy(other, ALLOWED);

      const elsewhere = await call(path, { headers: { origin: ELSEWHERE } });
      expect(elsewhere.headers.get("x-cache")).toBe("HIT");
      expectHiddenFrom(elsewhere);

      const noOrigin = await call(path);
      expect(noOrigin.headers.get("x-cache")).toBe("HIT");
      expect(noOrigin.headers.get("access-control-allow-origin")).toBeNull();
    }
  });
});

describe('"*" in CORS_ORIGINS', () => {
  const ANY = { CORS_ORIGINS: `${SITE},*` };

  it("lets any page read public data anonymously, and no more", async () => {
    const target = uniqueTarget();
    const read = await callWith(ANY, `/v1/targets/${target}/count`, { headers: { origin: ELSEWHERE } });
    expect(read.status).toBe(200);
    expect(read.headers.get("access-control-allow-origin")).toBe("*");
    expect(read.headers.get("access-control-allow-credentials")).toBeNull();

    const readPreflight = await callWith(ANY, `/v1/targets/${target}/count`, preflight(ELSEWHERE, "GET", "x-request-id"));
    expect(readPreflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(list(readPreflight.headers.get("access-control-allow-methods"))).toEqual(["get", "head"]);
    expect(list(readPreflight.headers.get("access-control-allow-headers"))).not.toContain("authorization");

    // Signed in or writing: only the listed origin.
    const token = await tokenFor(uniqueUser());
    const signedRead = await callWith(ANY, `/v1/users/${uniqueUser()}/likes`, { headers: { origin: ELSEWHERE, authorization: `Bearer ${token}` } });
    expect(signedRead.headers.get("access-control-allow-origin")).toBeNull();
    expect((await callWith(ANY, `/v1/targets/${target}/count`, preflight(ELSEWHERE, "GET", "authorization"))).headers.get("access-control-allow-origin")).toBeNull();
    expect((await callWith(ANY, "/v1/likes", preflight(ELSEWHERE, "POST", "content-type"))).headers.get("access-control-allow-origin")).toBeNull();
    const write = await callWith(ANY, "/v1/likes", {
      method: "POST",
      headers: { origin: ELSEWHERE, "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ target, action: "like" }),
    });
    expect(write.headers.get("access-control-allow-origin")).toBeNull();
    const listed = await callWith(ANY, "/v1/likes", preflight(SITE, "POST", "authorization, content-type"));
    expect(listed.headers.get("access-control-allow-origin")).toBe(SITE);
  });
});

describe("a misconfigured CORS_ORIGINS", () => {
  it("answers a cross-origin request 503 naming the bad entry, and leaves other requests alone", async () => {
    const bad = { CORS_ORIGINS: `${SITE}, https://other.example/path` };
    const path = `/v1/targets/${uniqueTarget()}/count`;
    const refused = await callWith(bad, path, { headers: { origin: SITE } });
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_configured");
    expect(body.error.message).toContain("CORS_ORIGINS");
    expect(body.error.message).toContain("https://other.example/path");
    expect((await callWith(bad, path, { headers: { origin: OWN } })).status).toBe(200);
    expect((await callWith(bad, path)).status).toBe(200);
  });
});

describe("the live socket's Origin", () => {
  async function refusal(socket: LiveSocket) {
    const closed = await Promise.race([
      socket.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket stayed open; got ${JSON.stringify(socket.frames)}`)), 3_000)),
    ]);
    return { code: closed.code, error: socket.of("error")[0]?.error.code };
  }

  it("admits viewers and signed-in sockets from allowed origins, and no other browser page", async () => {
    const target = uniqueTarget();
    const viewer = await LiveSocket.openRaw(target, {}, { origin: ALLOWED });
    await viewer.next("hello");
    viewer.close();
    const user = uniqueUser();
    const token = await tokenFor(user);
    const signedIn = await LiveSocket.openRaw(target, { ticket: await mintTicket(target, token, SITE) }, { origin: SITE });
    expect((await signedIn.next("hello")).user?.id).toBe(user);
    signedIn.close();

    expect(await refusal(await LiveSocket.openRaw(target, {}, { origin: ELSEWHERE }))).toEqual({
      code: CLOSE_CODES.ticketForbidden,
      error: "origin_not_allowed",
    });
    // A ticket minted from the disallowed page itself carries that page's Origin: still refused.
    const fromElsewhere = await mintTicket(target, token, ELSEWHERE);
    expect(await refusal(await LiveSocket.openRaw(target, { ticket: fromElsewhere }, { origin: ELSEWHERE }))).toEqual({
      code: CLOSE_CODES.ticketForbidden,
      error: "origin_not_allowed",
    });
  });

  it("admits a client that sends no Origin with a valid ticket", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const socket = await LiveSocket.openRaw(target, { ticket: await mintTicket(target, await tokenFor(user)) });
    expect((await socket.next("hello")).user?.id).toBe(user);
    socket.close();
  });
  it('admits viewers from any page under "*", but a signed-in socket only from a listed origin', async () => {
    const ANY = { CORS_ORIGINS: `${SITE},*` };
    /** The first frame and the close of a socket opened through the app under ANY. */
    async function openUnderAny(target: string, query: string, origin: string) {
      const res = await callWith(ANY, `/v1/targets/${encodeURIComponent(target)}/live${query}`, { headers: { origin, upgrade: "websocket" } });
      const ws = res.webSocket;
      if (ws === null) throw new Error(`upgrade refused: ${res.status}`);
      ws.accept();
      const first = new Promise<{ type: string; error?: { code: string } }>((resolve) => {
        ws.addEventListener("message", (event) => resolve(JSON.parse(String(event.data)) as { type: string; error?: { code: string } }), { once: true });
      });
      const frame = await first;
      ws.close(1000, "test done");
      return frame;
    }
    const target = uniqueTarget();
    expect((await openUnderAny(target, "", ELSEWHERE)).type).toBe("hello");
    const ticket = await mintTicket(target, await tokenFor(uniqueUser()), ELSEWHERE);
    expect(await openUnderAny(target, `?ticket=${encodeURIComponent(ticket)}`, ELSEWHERE)).toMatchObject({
      type: "error",
      error: { code: "origin_not_allowed" },
    });
  });
});

describe("the published document", () => {
  it("describes the preflight of every path and the CORS headers of every answer, errors included", async () => {
    const document = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>;
    };
    const likes = document.paths["/v1/likes"];
    expect(Object.keys(likes?.options?.responses["204"]?.headers ?? {})).toEqual(
      expect.arrayContaining(["Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Vary"]),
    );
    for (const status of ["200", "401", "413", "429", "503"]) {
      expect(Object.keys(likes?.post?.responses[status]?.headers ?? {}), status).toEqual(
        expect.arrayContaining(["Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"]),
      );
    }
    expect(Object.keys(document.paths).every((path) => document.paths[path]?.options !== undefined)).toBe(true);
  });
});

describe("parsing CORS_ORIGINS", () => {
  it("takes exact origins and * with spaces around commas, and nothing else", () => {
    const good = parseCorsOrigins(" https://www.example.com , http://127.0.0.1:5173,* ,");
    expect(good.ok && [...good.policy.exact]).toEqual(["https://www.example.com", "http://127.0.0.1:5173"]);
    expect(good.ok && good.policy.anyMayRead).toBe(true);
    expect(parseCorsOrigins(undefined)).toMatchObject({ ok: true, policy: { exact: new Set(), anyMayRead: false } });
    for (const bad of ["https://example.com/", "https://Example.com", "https://example.com:443", "example.com", "ftp://example.com", "null", "https://a.example/path", "https://user@a.example"]) {
      const parsed = parseCorsOrigins(`https://ok.example,${bad}`);
      expect(parsed.ok, bad).toBe(false);
      expect(parsed.ok ? "" : parsed.message, bad).toContain(JSON.stringify(bad));
    }
  });
});
