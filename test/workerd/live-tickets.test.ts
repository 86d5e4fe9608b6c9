import { env, runInDurableObject } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { CLOSE_CODES } from "../../protocol/live";
import { LiveTicket, TICKET_TTL_MS } from "../../protocol/live-tickets";
import { RelaysResponse } from "../../protocol/relays";
import { relayName } from "../../protocol/internal/relay-rpc";
import { ApiError } from "../../workers/errors";
import { mintLiveTicket, TICKET_TYP } from "../../workers/live-tickets";
import { call, roomStub, runRoomAlarm, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket, mintTicket } from "./live-socket";

function postTicket(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call("/v1/live/tickets", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** Opens a socket that the server is expected to refuse; answers its frames and close. */
async function refused(target: string, query: Record<string, string>, headers: Record<string, string> = {}) {
  const socket = await LiveSocket.openRaw(target, query, headers);
  const closed = await Promise.race([
    socket.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket stayed open; got ${JSON.stringify(socket.frames)}`)), 3_000)),
  ]);
  socket.close();
  return { closed, frames: socket.frames };
}

/**
 * A ticket signed here with the server's own key, for what the route never mints: an old one,
 * one whose claims we choose. Same header and claims as workers/live-tickets.ts.
 */
async function signTicket(options: { userId: string; target: string; iat: number; exp: number; tex?: number }): Promise<string> {
  const secret = env.LIVE_TICKET_SECRET;
  if (secret === undefined) throw new Error("LIVE_TICKET_SECRET is not bound in tests");
  return new SignJWT({ tgt: options.target, name: options.userId, roles: [], tex: options.tex ?? options.exp + 3600 })
    .setProtectedHeader({ alg: "HS256", typ: TICKET_TYP })
    .setSubject(options.userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(options.iat)
    .setExpirationTime(options.exp)
    .sign(new TextEncoder().encode(secret));
}

async function usedTicketRows(target: string): Promise<number> {
  return runInDurableObject(roomStub(target), async (_room, state) =>
    state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM live_tickets_used").one().n,
  );
}

describe("POST /v1/live/tickets", () => {
  it("mints a ticket that expires within 30 s for a signed-in user", async () => {
    const before = Date.now();
    const res = await postTicket({ target: uniqueTarget() }, { authorization: `Bearer ${await tokenFor(uniqueUser())}` });
    expect(res.status).toBe(201);
    const body = LiveTicket.parse(await res.json());
    expect(body.ticket.length).toBeGreaterThan(20);
    // Whole seconds: at most 30 s after the mint, at least 29 s.
    expect(body.expiresAt).toBeGreaterThan(before + TICKET_TTL_MS - 1_000 - 1);
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + TICKET_TTL_MS);
  });

  it("lets a socket signed in after its token expired view but never write", async () => {
    const target = uniqueTarget();
    const now = Math.floor(Date.now() / 1000);
    const ticket = await signTicket({ userId: uniqueUser(), target, iat: now, exp: now + 30, tex: now - 1 });
    const socket = await LiveSocket.openRaw(target, { ticket });
    await socket.next("hello");
    socket.send({ type: "like", id: "late" });
    expect(await socket.next("error")).toMatchObject({ id: "late", error: { code: "unauthorized", message: expect.stringContaining("expired") } });
    expect((await roomStub(target).snapshot(target)).likes).toBe(0);
    socket.close();
  });

  it("does not count mints against the user's write budget", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const authorization = `Bearer ${await tokenFor(user)}`;
    // More mints than likes and reactions a user may make in a minute (100).
    for (let i = 0; i < 120; i++) expect((await postTicket({ target }, { authorization })).status).toBe(201);
    const liked = await call("/v1/likes", {
      method: "POST",
      headers: { "content-type": "application/json", authorization },
      body: JSON.stringify({ target, action: "like" }),
    });
    expect(liked.status).toBe(200);
  });

  it("answers 401 without a token and with a forged one", async () => {
    const target = uniqueTarget();
    const none = await postTicket({ target });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: "unauthorized" } });
    const forged = await postTicket({ target }, { authorization: `Bearer ${await tokenFor(uniqueUser(), { secret: "not-the-secret" })}` });
    expect(forged.status).toBe(401);
  });

  it("answers 400 for a bad or missing target", async () => {
    const authorization = `Bearer ${await tokenFor(uniqueUser())}`;
    for (const body of [{ target: "nope" }, {}, { target: uniqueTarget(), extra: 1 }]) {
      const res = await postTicket(body, { authorization });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
  });

  it("refuses to mint without a key of its own, never falling back to AUTH_SECRET", async () => {
    const claims = { sub: "u", exp: Math.floor(Date.now() / 1000) + 60, name: "u", roles: [] };
    for (const keys of [{ AUTH_SECRET: "s" }, { AUTH_SECRET: "s", LIVE_TICKET_SECRET: "" }, { AUTH_SECRET: "s", LIVE_TICKET_SECRET: "s" }]) {
      const error = await mintLiveTicket(keys, claims, uniqueTarget(), null, Date.now()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 503, code: "not_configured" });
    }
  });

  it("is described in the published OpenAPI document", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const op = doc.paths["/v1/live/tickets"]?.post;
    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(["201", "400", "401"]));
    expect(doc.paths["/v1/targets/{target}/live"]?.get?.responses).not.toHaveProperty("401");
  });
});

describe("live sign-in with a ticket", () => {
  it("opens one write socket per ticket: a second use is closed with 4409 and does not count as a viewer", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const ticket = await mintTicket(target, await tokenFor(user));
    const first = await LiveSocket.openRaw(target, { ticket });
    expect((await first.next("hello")).user).toEqual({ id: user });

    const second = await refused(target, { ticket });
    expect(second.closed.code).toBe(CLOSE_CODES.ticketUsed);
    expect(second.frames).toEqual([{ type: "error", error: { code: "ticket_used", message: expect.any(String) } }]);

    first.send({ type: "like", id: "l1" });
    expect(await first.next("ack")).toMatchObject({ id: "l1", result: { count: 1 } });
    const viewer = await LiveSocket.open(target);
    expect((await viewer.next("hello")).viewers).toBe(2);
    viewer.close();
    first.close();
  });

  it("closes a ticket older than 30 s with 4408, whatever exp it claims", async () => {
    const target = uniqueTarget();
    const now = Math.floor(Date.now() / 1000);
    const expired = await signTicket({ userId: uniqueUser(), target, iat: now - 40, exp: now - 10 });
    expect((await refused(target, { ticket: expired })).closed.code).toBe(CLOSE_CODES.ticketExpired);
    // Signed with our key but claiming a long life: its age alone ends it.
    const longLived = await signTicket({ userId: uniqueUser(), target, iat: now - 31, exp: now + 600 });
    const answer = await refused(target, { ticket: longLived });
    expect(answer.closed.code).toBe(CLOSE_CODES.ticketExpired);
    expect(answer.frames[0]).toMatchObject({ type: "error", error: { code: "ticket_expired" } });
  });

  it("closes a ticket for another target with 4403", async () => {
    const ticket = await mintTicket(uniqueTarget(), await tokenFor(uniqueUser()));
    const answer = await refused(uniqueTarget(), { ticket });
    expect(answer.closed.code).toBe(CLOSE_CODES.ticketForbidden);
    expect(answer.frames[0]).toMatchObject({ type: "error", error: { code: "ticket_wrong_target" } });
  });

  it("needs the upgrade's Origin to be the one the ticket was minted from", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const fromSite = await mintTicket(target, token, "https://site.example");
    const elsewhere = await refused(target, { ticket: fromSite }, { origin: "https://evil.example" });
    expect(elsewhere.closed.code).toBe(CLOSE_CODES.ticketForbidden);
    expect(elsewhere.frames[0]).toMatchObject({ type: "error", error: { code: "ticket_wrong_origin" } });
    expect((await refused(target, { ticket: fromSite })).closed.code).toBe(CLOSE_CODES.ticketForbidden);
    const noOrigin = await mintTicket(target, token);
    expect((await refused(target, { ticket: noOrigin }, { origin: "https://site.example" })).closed.code).toBe(CLOSE_CODES.ticketForbidden);

    // A refused Origin did not spend the ticket: the right Origin still opens it.
    const right = await LiveSocket.openRaw(target, { ticket: fromSite }, { origin: "https://site.example" });
    expect((await right.next("hello")).user).not.toBeNull();
    const cli = await LiveSocket.openRaw(target, { ticket: await mintTicket(target, token) });
    expect((await cli.next("hello")).user).not.toBeNull();
    right.close();
    cli.close();
  });

  it("closes forged tickets and a bearer token passed as a ticket with 4401", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const bearer = await tokenFor(user);
    const now = Math.floor(Date.now() / 1000);
    const otherKey = await new SignJWT({ tgt: target, name: user, roles: [], tex: now + 60 })
      .setProtectedHeader({ alg: "HS256", typ: TICKET_TYP })
      .setSubject(user)
      .setJti(crypto.randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 30)
      .sign(new TextEncoder().encode("not-the-ticket-key"));
    for (const ticket of [bearer, otherKey, "not.a.ticket", "x"]) {
      const answer = await refused(target, { ticket });
      expect(answer.closed.code, ticket).toBe(CLOSE_CODES.ticketInvalid);
      expect(answer.frames[0]).toMatchObject({ type: "error", error: { code: "ticket_invalid" } });
    }
  });

  it("refuses ?token= even with a valid token: error frame token_in_url and close 4401", async () => {
    const target = uniqueTarget();
    const answer = await refused(target, { token: await tokenFor(uniqueUser()) });
    expect(answer.closed.code).toBe(CLOSE_CODES.ticketInvalid);
    expect(answer.frames).toEqual([{ type: "error", error: { code: "token_in_url", message: expect.any(String) } }]);
    const viewer = await LiveSocket.open(target);
    expect((await viewer.next("hello")).viewers).toBe(1);
    viewer.close();
  });

  it("spends a ticket in the room even when the room hands the socket to a relay", async () => {
    const target = uniqueTarget("stream");
    const admin = `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}`;
    const put = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: admin },
      body: JSON.stringify({ threshold: 0, perRelay: 10 }),
    });
    expect(put.status).toBe(200);
    const user = uniqueUser();
    const ticket = await mintTicket(target, await tokenFor(user));
    const first = await LiveSocket.openRaw(target, { ticket });
    expect((await first.next("hello")).user).toEqual({ id: user });
    const relay = env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, 0)));
    expect((await relay.stats()).sockets).toBe(1);

    const again = await refused(target, { ticket });
    expect(again.closed.code).toBe(CLOSE_CODES.ticketUsed);
    const relays = RelaysResponse.parse(await (await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, { headers: { authorization: admin } })).json());
    expect(relays.relays).toEqual([{ k: 0, sockets: 1 }]);
    first.send({ type: "like", id: "relayed" });
    expect(await first.next("ack")).toMatchObject({ id: "relayed", result: { count: 1 } });
    first.close();
  });

  it("keeps a spent ticket in the room's storage until it expires, then its alarm forgets it", async () => {
    const target = uniqueTarget();
    const now = Math.floor(Date.now() / 1000);
    // Expires in 1-2 s (whole seconds), so the test need not wait 30 s.
    const ticket = await signTicket({ userId: uniqueUser(), target, iat: now, exp: now + 2 });
    const socket = await LiveSocket.openRaw(target, { ticket });
    await socket.next("hello");
    expect(await usedTicketRows(target)).toBe(1);
    await runInDurableObject(roomStub(target), async (_room, state) => {
      const job = state.storage.sql.exec<{ due_at: number }>("SELECT due_at FROM alarm_jobs WHERE name = 'live-ticket-sweep'").one();
      expect(job.due_at).toBe((now + 2) * 1000);
    });
    await new Promise((resolve) => setTimeout(resolve, (now + 2) * 1000 - Date.now() + 50));
    await runRoomAlarm(target);
    expect(await usedTicketRows(target)).toBe(0);
    // Forgotten, yet worth nothing: its age refuses it now.
    expect((await refused(target, { ticket })).closed.code).toBe(CLOSE_CODES.ticketExpired);
    socket.close();
  });

  it("takes an identity only with a ticket it spends: an identity header alone opens a read-only viewer", async () => {
    const target = uniqueTarget();
    await runInDurableObject(roomStub(target), async (room) => {
      const headers = new Headers({
        upgrade: "websocket",
        "x-engagement-live-identity": JSON.stringify({ userId: "mallory", name: "mallory", roles: ["admin"], exp: Math.floor(Date.now() / 1000) + 60 }),
      });
      const res = await room.fetch(new Request(`https://target-room.internal/live?target=${encodeURIComponent(target)}`, { headers }));
      const ws = res.webSocket;
      if (res.status !== 101 || ws === null) throw new Error(`upgrade refused: ${res.status}`);
      ws.accept();
      const frames: unknown[] = [];
      ws.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(frames[0]).toMatchObject({ type: "hello", user: null });
      ws.close();
    });
  });

  it("refuses, on the room's own clock, a ticket the Worker let through just before it expired", async () => {
    const target = uniqueTarget();
    await runInDurableObject(roomStub(target), async (room) => {
      const headers = new Headers({
        upgrade: "websocket",
        "x-engagement-live-identity": JSON.stringify({ userId: "late", name: "late", roles: [], exp: Math.floor(Date.now() / 1000) + 60 }),
        "x-engagement-live-ticket": JSON.stringify({ id: crypto.randomUUID(), expiresAt: Date.now() - 1 }),
      });
      const res = await room.fetch(new Request(`https://target-room.internal/live?target=${encodeURIComponent(target)}`, { headers }));
      expect(res.status).toBe(410);
      expect(await res.json()).toMatchObject({ error: { code: "ticket_expired" } });
    });
    expect(await usedTicketRows(target)).toBe(0);
  });
});
