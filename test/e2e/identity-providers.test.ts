import { sign } from "hono/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type HelloFrame, type LiveConnection } from "../../client/index";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider";
import { createResponseValidator, type ResponseValidator } from "./openapi-validator";
import { eventually, uniqueTarget } from "./secret";

// Sign-in with the site's own identity providers (issue 18, docs/identity.md) against a
// wrangler dev whose AUTH_PROVIDERS name real loopback providers (test/support). The JWKS
// cache times are shortened through AUTH_JWKS_TIMINGS, which only development honours.

const AUTH_SECRET = "identity-e2e-secret-for-the-local-dev-server-only";
const TIMINGS = { freshMs: 3_000, staleMs: 600_000, negativeMs: 1_500, unknownKidRefreshMs: 1_000, timeoutMs: 1_000 };
const SLOW_MS = 4_000;

let server: DevServer;
let validator: ResponseValidator;
/** Untrusted: its admin and owner roles count for nothing. */
let site: TestIdentityProvider;
/** Trusted with admin and owner; puts the app in azp (as Clerk does); RS256 only. */
let trusted: TestIdentityProvider;
/** Down, then slow, from the start: nothing cached. */
let coldDown: TestIdentityProvider;
let coldSlow: TestIdentityProvider;
/** Not configured at all. */
let stranger: TestIdentityProvider;
const statuses: number[] = [];
const mismatches: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  site = await startIdentityProvider({ audience: "engagement-site" });
  trusted = await startIdentityProvider({ audience: "unused" });
  coldDown = await startIdentityProvider({ mode: { state: "down" } });
  coldSlow = await startIdentityProvider({ mode: { state: "slow", delayMs: SLOW_MS } });
  stranger = await startIdentityProvider({ audience: "engagement-site" });
  const providers = [
    site.config({ userPrefix: "site|", nameClaim: "/profile/display name", rolesClaim: "/https:~1~1site.example~1roles" }),
    { ...trusted.config({ userPrefix: "staff|", trustedRoles: ["admin", "owner"], algorithms: ["RS256"] }), audience: undefined, authorizedParties: ["https://site.example"] },
    coldDown.config({ userPrefix: "down|" }),
    coldSlow.config({ userPrefix: "slow|" }),
  ];
  server = await startDevServer({
    authSecret: AUTH_SECRET,
    vars: { AUTH_PROVIDERS: JSON.stringify(providers), AUTH_JWKS_TIMINGS: JSON.stringify(TIMINGS) },
  });
  validator = createResponseValidator(await (await fetch(`${server.url}/openapi.json`)).json());
});

afterAll(async () => {
  await server?.stop();
  for (const idp of [site, trusted, coldDown, coldSlow, stranger]) await idp?.close();
});

/** A request to the dev server, its answer checked against the server's own /openapi.json. */
async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  statuses.push(res.status);
  mismatches.push(...validator({ method, path, status: res.status, contentType: res.headers.get("content-type"), body: text }));
  return { status: res.status, body: text === "" ? null : JSON.parse(text), headers: res.headers };
}

const like = (token: string | null, target = uniqueTarget()) => call("POST", "/v1/likes", token, { target, action: "like" });
const sub = () => `u-${crypto.randomUUID().slice(0, 8)}`;

describe("sign-in with an identity provider", () => {
  it("accepts RS256 and ES256 tokens for REST writes, under the provider's prefix and claims", async () => {
    const target = uniqueTarget();
    const id = sub();
    const rs = await site.sign({ sub: id, profile: { "display name": "Ada  Lovelace" } }, { alg: "RS256" });
    const es = await site.sign({ sub: id }, { alg: "ES256" });
    expect(await like(rs, target)).toMatchObject({ status: 200, body: { liked: true, count: 1 } });
    const comment = await call("POST", `/v1/targets/${encodeURIComponent(target)}/comments`, es, { text: "hello from a provider" });
    expect(comment.status).toBe(201);
    expect(comment.body.author).toEqual({ id: `site|${id}`, name: `site|${id}` });
    const named = await call("POST", `/v1/targets/${encodeURIComponent(target)}/comments`, rs, { text: "named" });
    expect(named.body.author).toEqual({ id: `site|${id}`, name: "Ada Lovelace" });
  });

  it("signs a live socket in with a provider's token (POST /v1/live/tickets) and writes through it", async () => {
    const target = uniqueTarget();
    const id = sub();
    const hellos: HelloFrame[] = [];
    let live: LiveConnection | undefined;
    try {
      live = connect(target, { baseUrl: server.url, token: () => site.sign({ sub: id }, { alg: "ES256" }), onHello: (h) => hellos.push(h) });
      await expect(live.like()).resolves.toMatchObject({ liked: true, count: 1 });
      await expect(live.comment("over the socket")).resolves.toMatchObject({ author: { id: `site|${id}` } });
      await eventually(() => hellos.length > 0, 5_000, "hello");
      expect(hellos[0]?.user?.id).toBe(`site|${id}`);
    } finally {
      live?.close();
    }
  });

  it("refuses unknown issuers, wrong or missing audiences, disallowed algs, a forged HS256 issuer, expired and not-yet-valid tokens", async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused: [string, string][] = [
      ["unknown issuer", await stranger.sign({ sub: sub() })],
      ["wrong audience", await site.sign({ sub: sub() }, { audience: "another-app-of-the-tenant" })],
      ["missing audience", await site.sign({ sub: sub() }, { audience: null })],
      ["wrong azp", await trusted.sign({ sub: sub(), azp: "https://evil.example" }, { audience: null })],
      ["missing azp", await trusted.sign({ sub: sub() }, { audience: null })],
      ["alg not allowed (ES256 where only RS256 is)", await trusted.sign({ sub: sub(), azp: "https://site.example" }, { alg: "ES256" })],
      ["HS256 with our own secret naming the provider", await sign({ sub: sub(), iss: site.issuer, aud: site.audience, exp: now + 600 }, AUTH_SECRET, "HS256")],
      ["expired", await site.sign({ sub: sub() }, { expiresIn: -120 })],
      ["not yet valid", await site.sign({ sub: sub() }, { notBefore: 600 })],
      ["another provider's issuer over this one's key", await stranger.sign({ sub: sub() }, { issuer: site.issuer })],
      ["prefix and sub over 128 characters", await site.sign({ sub: "x".repeat(124) })],
    ];
    for (const [name, token] of refused) {
      const res = await like(token);
      expect(res.status, name).toBe(401);
      expect(res.body.error.code, name).toBe("unauthorized");
    }
    // The same provider's good token, and an HS256 token naming no provider, still pass.
    expect((await like(await trusted.sign({ sub: sub(), azp: "https://site.example" }, { audience: null }))).status).toBe(200);
    expect((await like(await sign({ sub: sub(), exp: now + 600 }, AUTH_SECRET, "HS256"))).status).toBe(200);
    // An HS256 sub may not pose as a provider's user.
    expect((await like(await sign({ sub: `site|${sub()}`, exp: now + 600 }, AUTH_SECRET, "HS256"))).status).toBe(401);
  });

  it("honours admin and owner only from a provider that trusts them", async () => {
    const untrustedAdmin = await site.sign({ sub: sub(), "https://site.example/roles": ["admin", "owner"] });
    const trustedAdmin = await trusted.sign({ sub: sub(), azp: "https://site.example", roles: ["admin"] }, { audience: null });
    const trustedOwner = await trusted.sign({ sub: sub(), azp: "https://site.example", roles: ["owner"] }, { audience: null });
    const hs256User = await sign({ sub: sub(), exp: Math.floor(Date.now() / 1000) + 600 }, AUTH_SECRET, "HS256");
    expect((await call("GET", "/v1/admin/reconcile/last", untrustedAdmin)).status).toBe(403);
    expect([200, 404]).toContain((await call("GET", "/v1/admin/reconcile/last", trustedAdmin)).status);

    const target = uniqueTarget();
    const path = `/v1/targets/${encodeURIComponent(target)}`;
    expect((await call("PUT", path, untrustedAdmin, { title: "mine" })).status).toBe(403);
    expect((await call("PUT", path, hs256User, { title: "mine" })).status).toBe(403);
    expect((await call("GET", path, null)).body.owner).toBeNull();
    expect(await call("PUT", path, trustedOwner, { title: "the site's" })).toMatchObject({ status: 201, body: { owner: expect.stringMatching(/^staff\|/) } });
  });

  it("accepts a rotated-in key after a refresh and refuses a removed key once the cache expired", async () => {
    const id = sub();
    expect((await like(await site.sign({ sub: id }))).status).toBe(200);
    const oldKid = site.kids().find((kid) => kid.startsWith("rs256"))!;
    const newKid = await site.addKey("RS256");
    await sleep(TIMINGS.unknownKidRefreshMs + 100);
    expect((await like(await site.sign({ sub: id }, { kid: newKid }))).status).toBe(200);
    const signedBeforeRemoval = await site.sign({ sub: id }, { kid: oldKid });
    site.removeKey(oldKid);
    await sleep(TIMINGS.freshMs + 200);
    expect((await like(signedBeforeRemoval)).status).toBe(401);
    expect((await like(await site.sign({ sub: id }, { kid: newKid }))).status).toBe(200);
  });

  it("refreshes at most once per interval for unknown kids, and shares one fetch among concurrent requests", async () => {
    expect((await like(await site.sign({ sub: sub() }))).status).toBe(200);
    const neverPublished = await site.addKey("ES256");
    const forged = await site.sign({ sub: sub() }, { kid: neverPublished });
    site.removeKey(neverPublished);
    await sleep(TIMINGS.unknownKidRefreshMs + 100);
    let before = site.jwksRequests();
    for (let i = 0; i < 4; i++) expect((await like(forged)).status).toBe(401);
    expect(site.jwksRequests() - before).toBe(1);

    // Once the document is stale, a crowd of requests waits for one fetch, not one each.
    // The provider answers in 600 ms (within the time-out), so the crowd arrives while it is pending.
    const tokens = await Promise.all(Array.from({ length: 8 }, () => site.sign({ sub: sub() })));
    await sleep(TIMINGS.freshMs + 200);
    site.setMode({ state: "slow", delayMs: 600 });
    before = site.jwksRequests();
    try {
      const crowd = await Promise.all(tokens.map((token) => like(token)));
      expect(crowd.map((res) => res.status)).toEqual(Array(8).fill(200));
    } finally {
      site.setMode({ state: "up" });
    }
    expect(site.jwksRequests() - before).toBe(1);
  });

  it("keeps cached keys working while the provider is down or slow; an unknown key is 401; a cold cache is 503 with Retry-After", async () => {
    const token = () => trusted.sign({ sub: sub(), azp: "https://site.example" }, { audience: null });
    expect((await like(await token())).status).toBe(200);
    const unknownKid = await trusted.addKey("RS256");
    const unknownToken = await trusted.sign({ sub: sub(), azp: "https://site.example" }, { audience: null, kid: unknownKid });
    trusted.removeKey(unknownKid);

    trusted.setMode({ state: "down" });
    await sleep(TIMINGS.freshMs + 200);
    expect((await like(await token())).status).toBe(200);
    expect((await like(unknownToken)).status).toBe(401);

    trusted.setMode({ state: "slow", delayMs: SLOW_MS });
    await sleep(TIMINGS.negativeMs + 200);
    const started = Date.now();
    expect((await like(await token())).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    trusted.setMode({ state: "up" });

    for (const idp of [coldDown, coldSlow]) {
      const begun = Date.now();
      const res = await like(await idp.sign({ sub: sub() }));
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("auth_unavailable");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Date.now() - begun).toBeLessThan(SLOW_MS);
    }
    expect(coldDown.jwksRequests()).toBeGreaterThan(0);
  });

  it("answered nothing with a 500 and nothing /openapi.json does not describe", () => {
    expect(statuses).not.toContain(500);
    expect(mismatches).toEqual([]);
  });
});
