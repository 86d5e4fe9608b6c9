import { sign } from "hono/jwt";
import { afterEach, describe, expect, inject, it } from "vitest";
import { LiveTicket } from "../../protocol/live-tickets";
import { connect, parseRetryAfter, type HelloFrame, type LiveConnection, type LiveStatus, type TicketRetry } from "../../client/index";
import { startLoopbackProxy, type LoopbackProxy, type ProxyAnswer, type SeenRequest } from "./loopback-proxy";
import { e2eToken, eventually, uniqueTarget, uniqueUser } from "./secret";

// The socket signs in with a single-use ticket from POST /v1/live/tickets, never with the
// token in its URL. Every test runs the SDK through a loopback proxy in front of wrangler dev
// and reads the wire there: what was minted, and what each upgrade's URL carried.

const upstream = inject("baseUrl");
const open: LiveConnection[] = [];
const proxies: LoopbackProxy[] = [];

async function proxy(intercept?: (req: SeenRequest) => ProxyAnswer | undefined): Promise<LoopbackProxy> {
  const started = await startLoopbackProxy(upstream, intercept);
  proxies.push(started);
  return started;
}

function track(connection: LiveConnection): LiveConnection {
  open.push(connection);
  return connection;
}

afterEach(async () => {
  for (const connection of open.splice(0)) connection.close();
  for (const p of proxies.splice(0)) await p.close();
});

const isMint = (req: SeenRequest) => req.method === "POST" && req.path === "/v1/live/tickets";
const mints = (p: LoopbackProxy) => p.requests.filter(isMint);
const ticketOf = (upgrade: string) => new URL(upgrade, "http://x").searchParams.get("ticket");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signed with a secret the server does not know: the ticket route answers 401. */
async function forgedToken(userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + 600 }, "not-the-server-secret", "HS256");
}

describe("live socket sign-in with tickets", () => {
  it("mints a fresh ticket before every connect and never puts the token in a URL", async () => {
    const p = await proxy();
    const target = uniqueTarget();
    const user = uniqueUser();
    const tokens: string[] = [];
    const hellos: HelloFrame[] = [];
    const live = track(
      connect(target, {
        baseUrl: p.url,
        token: async () => {
          const token = await e2eToken(user);
          tokens.push(token);
          return token;
        },
        onHello: (h) => hellos.push(h),
      }),
    );
    await expect(live.like()).resolves.toMatchObject({ liked: true, count: 1 });
    live.reconnect();
    await eventually(() => hellos.length === 2, 5_000, "second hello");
    live.reconnect();
    await eventually(() => hellos.length === 3, 5_000, "third hello");
    await expect(live.unlike()).resolves.toMatchObject({ liked: false, count: 0 });

    expect(hellos.map((h) => h.user?.id)).toEqual([user, user, user]);
    expect(mints(p).map((m) => m.status)).toEqual([201, 201, 201]);
    expect(p.upgrades).toHaveLength(3);
    const minted = mints(p).map((m) => LiveTicket.parse(JSON.parse(m.body ?? "null")).ticket);
    expect(p.upgrades.map(ticketOf)).toEqual(minted);
    expect(new Set(minted).size).toBe(3);
    for (const url of p.upgrades) {
      expect(url).not.toMatch(/token=/);
      for (const token of tokens) expect(url).not.toContain(token);
    }
  });

  it("signs in again with a fresh token when the socket's token has expired", async () => {
    const p = await proxy();
    const target = uniqueTarget();
    const user = uniqueUser();
    let calls = 0;
    const hellos: HelloFrame[] = [];
    // The first token lives 2 s (a ticket never outlives its token); later ones an hour.
    const live = track(connect(target, { baseUrl: p.url, token: () => e2eToken(user, ++calls === 1 ? 2 : 3600), onHello: (h) => hellos.push(h) }));
    await expect(live.like()).resolves.toMatchObject({ liked: true, count: 1 });
    await sleep(2_500);
    await expect(live.unlike()).rejects.toMatchObject({ code: "unauthorized" });
    await eventually(() => hellos.length === 2, 5_000, "signed in again");
    expect(hellos[1]!.user).toEqual({ id: user });
    await expect(live.unlike()).resolves.toMatchObject({ liked: false, count: 0 });
    expect(mints(p).map((m) => m.status)).toEqual([201, 201]);
  });

  it("stops at the first 4403: a ticket minted from another Origin than the socket's", async () => {
    const p = await proxy();
    const errors: string[] = [];
    // The mint says it comes from a page on another site; the socket (Node) sends no Origin.
    const fromElsewhere: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), origin: "https://elsewhere.example" } });
    const live = track(
      connect(uniqueTarget(), { baseUrl: p.url, token: () => e2eToken(uniqueUser()), fetch: fromElsewhere, minReconnectDelayMs: 20, maxReconnectDelayMs: 50, onError: (e) => errors.push(e.code) }),
    );
    await eventually(() => live.status === "refused", 5_000, "refused");
    await sleep(1_000);
    expect(mints(p).map((m) => m.status)).toEqual([201]);
    expect(p.upgrades).toHaveLength(1);
    expect(errors).toEqual(["ticket_wrong_origin", "forbidden"]);
  });

  it("stays a read-only viewer without a token: no ticket asked, none sent, writes refused", async () => {
    const p = await proxy();
    const live = track(connect(uniqueTarget(), { baseUrl: p.url }));
    await eventually(() => live.state.viewers === 1, 5_000, "viewer hello");
    await expect(live.like()).rejects.toMatchObject({ code: "unauthorized" });
    expect(mints(p)).toEqual([]);
    expect(p.upgrades.map(ticketOf)).toEqual([null]);
  });

  it("stops reconnecting when the ticket route answers 401, and goes live again on reconnect() with a good token", async () => {
    const p = await proxy();
    const target = uniqueTarget();
    const user = uniqueUser();
    let forged = true;
    const statuses: LiveStatus[] = [];
    const errors: string[] = [];
    const live = track(
      connect(target, {
        baseUrl: p.url,
        token: () => (forged ? forgedToken(user) : e2eToken(user)),
        minReconnectDelayMs: 20,
        maxReconnectDelayMs: 50,
        onStatus: (s) => statuses.push(s),
        onError: (e) => errors.push(e.code),
      }),
    );
    await eventually(() => live.status === "refused", 5_000, "refused");
    await expect(live.like()).rejects.toMatchObject({ code: "unauthorized" });
    // Forty backoff periods later it still has not asked again, nor opened a socket.
    await sleep(2_000);
    expect(mints(p).map((m) => m.status)).toEqual([401]);
    expect(p.upgrades).toEqual([]);
    expect(errors).toEqual(["unauthorized"]);
    expect(statuses).toEqual(["refused"]);

    forged = false;
    live.reconnect();
    await expect(live.like()).resolves.toMatchObject({ liked: true, count: 1 });
    expect(mints(p).map((m) => m.status)).toEqual([401, 201]);
    expect(live.status).toBe("open");
  });

  it("stops reconnecting when a gateway in front of the ticket route answers 403", async () => {
    const p = await proxy((req) =>
      isMint(req) ? { status: 403, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: { code: "forbidden", message: "blocked by the gateway" } }) } : undefined,
    );
    const errors: string[] = [];
    const live = track(connect(uniqueTarget(), { baseUrl: p.url, token: () => e2eToken(uniqueUser()), minReconnectDelayMs: 20, maxReconnectDelayMs: 50, onError: (e) => errors.push(e.code) }));
    await eventually(() => live.status === "refused", 5_000, "refused");
    await sleep(1_000);
    expect(mints(p)).toHaveLength(1);
    expect(p.upgrades).toEqual([]);
    expect(errors).toEqual(["forbidden"]);
  });

  it("waits out Retry-After on 429 and 503 from the ticket route before asking again", async () => {
    const refusals: ProxyAnswer[] = [
      { status: 429, headers: { "retry-after": "2", "content-type": "application/json" }, body: JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }) },
      { status: 503, headers: { "retry-after": "1" }, body: "upstream busy" },
    ];
    const p = await proxy((req) => (isMint(req) ? refusals.shift() : undefined));
    const retries: TicketRetry[] = [];
    const statuses: LiveStatus[] = [];
    const user = uniqueUser();
    const live = track(
      connect(uniqueTarget(), {
        baseUrl: p.url,
        token: () => e2eToken(user),
        // Our own backoff is far shorter than the server's ask: the wait must be the server's.
        minReconnectDelayMs: 20,
        maxReconnectDelayMs: 50,
        onTicketRetry: (r) => retries.push(r),
        onStatus: (s) => statuses.push(s),
      }),
    );
    await expect(live.like()).resolves.toMatchObject({ liked: true, count: 1 });

    const attempts = mints(p);
    expect(attempts.map((m) => m.status)).toEqual([429, 503, 201]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_950);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(950);
    expect(retries.map((r) => [r.status, r.delayMs, r.retryAfter])).toEqual([
      [429, 2_000, true],
      [503, 1_000, true],
    ]);
    expect(statuses).not.toContain("refused");
    expect(p.upgrades).toHaveLength(1);
  });

  it("asks for a new ticket when the room refuses one, and stops after three refusals in a row", async () => {
    // A caching middlebox that hands every client the first ticket it saw: the room takes it
    // once, then closes each replay with a 44xx code.
    let first: string | undefined;
    const p = await proxy((req) => (isMint(req) && first !== undefined ? { status: 201, headers: { "content-type": "application/json" }, body: first } : undefined));
    const target = uniqueTarget();
    const user = uniqueUser();
    const hellos: HelloFrame[] = [];
    const errors: string[] = [];
    const live = track(
      connect(target, {
        baseUrl: p.url,
        token: () => e2eToken(user),
        minReconnectDelayMs: 20,
        maxReconnectDelayMs: 50,
        onHello: (h) => hellos.push(h),
        onError: (e) => errors.push(e.code),
      }),
    );
    await eventually(() => hellos.length === 1, 5_000, "first hello");
    first = mints(p)[0]!.body;
    live.reconnect();
    await eventually(() => live.status === "refused", 10_000, "refused after replays");
    await sleep(1_000);
    expect(hellos).toHaveLength(1);
    expect(mints(p)).toHaveLength(4);
    expect(p.upgrades).toHaveLength(4);
    expect(new Set(p.upgrades.map(ticketOf)).size).toBe(1);
    // The server's error frame for each replay, then the SDK's own word that it stopped.
    expect(errors).toEqual(["ticket_used", "ticket_used", "ticket_used", "unauthorized"]);
  });
});

describe("Retry-After as the SDK reads it", () => {
  it("takes delta-seconds and HTTP dates, and ignores anything else", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2);
    expect(parseRetryAfter(" 120 ", now)).toBe(120);
    expect(parseRetryAfter("Sun, 06 Dec 2026 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Sun, 06 Dec 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
