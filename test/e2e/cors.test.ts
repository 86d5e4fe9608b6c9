import { afterEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { CLOSE_CODES } from "../../protocol/live";
import { LiveTicket } from "../../protocol/live-tickets";
import { RawSocket } from "./raw-socket";
import { E2E_ALLOWED_ORIGIN, e2eToken, uniqueTarget, uniqueUser } from "./secret";

// Against wrangler dev started with CORS_ORIGINS = E2E_ALLOWED_ORIGIN (global-setup.ts): the
// upgrade's Origin rules on the wire, where a browser would send them, and the CORS headers
// as they leave the dev server's proxy.

const baseUrl = inject("baseUrl");
const OWN = new URL(baseUrl).origin;
const ELSEWHERE = "https://evil.example";
const open: RawSocket[] = [];

afterEach(() => {
  for (const socket of open.splice(0)) socket.destroy();
});

const First = z.object({ type: z.string(), user: z.object({ id: z.string() }).nullable().optional(), error: z.object({ code: z.string() }).optional() });

async function firstFrame(target: string, query: string, headers: Record<string, string>) {
  const socket = await RawSocket.open(baseUrl, `/v1/targets/${encodeURIComponent(target)}/live${query}`, headers);
  open.push(socket);
  const frame = First.parse(JSON.parse(await socket.text(() => true)));
  return { frame, socket };
}

async function ticketFor(target: string, userId: string, origin?: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/live/tickets`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await e2eToken(userId)}`, ...(origin === undefined ? {} : { origin }) },
    body: JSON.stringify({ target }),
  });
  expect(res.status).toBe(201);
  return `?ticket=${encodeURIComponent(LiveTicket.parse(await res.json()).ticket)}`;
}

describe("the live socket's upgrade Origin", () => {
  it("admits viewers and signed-in sockets from a listed origin and from the Worker's own", async () => {
    for (const origin of [E2E_ALLOWED_ORIGIN, OWN]) {
      const target = uniqueTarget();
      expect((await firstFrame(target, "", { Origin: origin })).frame).toMatchObject({ type: "hello", user: null });
      const user = uniqueUser();
      expect((await firstFrame(target, await ticketFor(target, user, origin), { Origin: origin })).frame).toMatchObject({ type: "hello", user: { id: user } });
    }
  });

  it("refuses a page on another origin with 4403 origin_not_allowed, viewer or signed in", async () => {
    const target = uniqueTarget();
    const viewer = await firstFrame(target, "", { Origin: ELSEWHERE });
    expect(viewer.frame).toMatchObject({ type: "error", error: { code: "origin_not_allowed" } });
    expect(await viewer.socket.closeCode()).toBe(CLOSE_CODES.ticketForbidden);
    const signedIn = await firstFrame(target, await ticketFor(target, uniqueUser(), ELSEWHERE), { Origin: ELSEWHERE });
    expect(signedIn.frame).toMatchObject({ type: "error", error: { code: "origin_not_allowed" } });
    expect(await signedIn.socket.closeCode()).toBe(CLOSE_CODES.ticketForbidden);
  });

  it("admits a client that sends no Origin with a valid ticket, and refuses it a page's ticket", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    expect((await firstFrame(target, await ticketFor(target, user), {})).frame).toMatchObject({ type: "hello", user: { id: user } });
    const pages = await firstFrame(target, await ticketFor(target, user, E2E_ALLOWED_ORIGIN), {});
    expect(pages.frame).toMatchObject({ type: "error", error: { code: "ticket_wrong_origin" } });
  });
});

describe("CORS headers through wrangler dev", () => {
  it("answers a listed origin's preflight and 401, and gives another origin nothing to read", async () => {
    const preflight = (origin: string) =>
      fetch(`${baseUrl}/v1/likes`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
    const allowed = await preflight(E2E_ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(E2E_ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect((await preflight(ELSEWHERE)).headers.get("access-control-allow-origin")).toBeNull();

    const refused = (origin: string) =>
      fetch(`${baseUrl}/v1/likes`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ target: uniqueTarget(), action: "like" }) });
    const unauthorized = await refused(E2E_ALLOWED_ORIGIN);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(E2E_ALLOWED_ORIGIN);
    expect(unauthorized.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("retry-after");
    expect((await refused(ELSEWHERE)).headers.get("access-control-allow-origin")).toBeNull();
  });
});
