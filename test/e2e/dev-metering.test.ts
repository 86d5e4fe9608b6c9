import { sign } from "hono/jwt";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { MeteringResponse } from "../../protocol/metering";
import { E2E_AUTH_SECRET, e2eToken, uniqueTarget, uniqueUser } from "./secret";

// The hook behind `npm run simulate` counts in the Worker's isolate. Under wrangler dev the
// Durable Objects share that isolate, so what a room asks of D1 and Queues from inside itself
// (its outbox) must show up in the same counters the route answers.

const shared = inject("baseUrl");
let metered: DevServer;

async function adminToken(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: "metering-admin", roles: ["admin"], iat: now, exp: now + 600 }, E2E_AUTH_SECRET, "HS256");
}

async function metering(baseUrl: string) {
  const res = await fetch(`${baseUrl}/v1/dev/metering`, { headers: { authorization: `Bearer ${await adminToken()}` } });
  expect(res.status).toBe(200);
  return MeteringResponse.parse(await res.json());
}

/** A second wrangler dev (the shared one runs unmetered on purpose); slow machines need the room. */
const START_TIMEOUT_MS = 240_000;

beforeAll(async () => {
  metered = await startDevServer({ authSecret: E2E_AUTH_SECRET, vars: { DEV_METERING: "on" } });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await metered?.stop();
});

describe("the development metering hook under wrangler dev", () => {
  it("counts a like's request to its room and what the room itself sends to the queue", async () => {
    const before = await metering(metered.url);
    expect(before.installed).toBe(true);
    const target = uniqueTarget();
    const res = await fetch(`${metered.url}/v1/likes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await e2eToken(uniqueUser())}` },
      body: JSON.stringify({ target, action: "like" }),
    });
    expect(res.status).toBe(200);
    const delta = (after: Record<string, number>, key: string) => (after[key] ?? 0) - (before.counters[key] ?? 0);
    // The outbox ships from the room after its commit, a moment after the answer.
    let after = (await metering(metered.url)).counters;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && delta(after, "TargetRoom/queue.messages/EVENTS") < 1) {
      await new Promise((r) => setTimeout(r, 250));
      after = (await metering(metered.url)).counters;
    }
    expect(delta(after, "worker/do.requests/TARGET_ROOM.applyLikes")).toBe(1);
    expect(delta(after, "TargetRoom/queue.messages/EVENTS")).toBeGreaterThanOrEqual(1);
    const again = await metering(metered.url);
    expect(again.isolate).toBe(before.isolate);
  });

  it("counts no D1 statement, read or write, for likes, an unlike, a comment and a reaction, all the way through the queue", { timeout: 90_000 }, async () => {
    // Keys are `origin/kind/binding[.method]`: a part matches every origin and method.
    const total = (counters: Record<string, number>, part: string) =>
      Object.entries(counters).reduce((sum, [key, n]) => (`${key}.`.includes(`/${part}.`) || `${key}/`.includes(`/${part}/`) ? sum + n : sum), 0);
    // Starts once the test before is through the pipeline too: each message it sent is stored.
    let before = await metering(metered.url);
    const quietBy = Date.now() + 30_000;
    while (Date.now() < quietBy && total(before.counters, "r2.written/LAKE") !== total(before.counters, "queue.messages/EVENTS")) {
      await new Promise((r) => setTimeout(r, 500));
      before = await metering(metered.url);
    }
    const delta = (after: Record<string, number>, part: string) => total(after, part) - total(before.counters, part);
    const target = uniqueTarget();
    const [a, b] = [uniqueUser(), uniqueUser()];
    const post = async (path: string, userId: string, body: unknown) =>
      fetch(`${metered.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await e2eToken(userId)}` },
        body: JSON.stringify(body),
      });
    expect((await post("/v1/likes", a, { target, action: "like" })).status).toBe(200);
    expect((await post("/v1/likes", b, { target, action: "like" })).status).toBe(200);
    expect((await post("/v1/likes", b, { target, action: "unlike" })).status).toBe(200);
    expect((await post(`/v1/targets/${encodeURIComponent(target)}/comments`, a, { text: "metered" })).status).toBe(201);
    expect((await post("/v1/reactions", b, { target, emoji: "love", action: "add" })).status).toBe(200);
    // Five commits are five outbox rows, so five messages. Done when each has become its lake
    // object (the consumer's last write before the ack; the users' objects were fed before it).
    let after = (await metering(metered.url)).counters;
    const deadline = Date.now() + 60_000;
    const sent = () => delta(after, "queue.messages/EVENTS");
    const stored = () => delta(after, "r2.written/LAKE");
    while (Date.now() < deadline && !(sent() >= 5 && stored() === sent())) {
      await new Promise((r) => setTimeout(r, 500));
      after = (await metering(metered.url)).counters;
    }
    expect(sent()).toBeGreaterThanOrEqual(5);
    expect(stored()).toBe(sent());
    expect(delta(after, "do.requests/USER_STATE")).toBeGreaterThanOrEqual(1);
    expect(Object.fromEntries(Object.entries(after).filter(([key, n]) => key.includes("/d1.") && n !== (before.counters[key] ?? 0)))).toEqual({});
  });

  it("wants an admin token", async () => {
    const res = await fetch(`${metered.url}/v1/dev/metering`, { headers: { authorization: `Bearer ${await e2eToken(uniqueUser())}` } });
    expect(res.status).toBe(403);
  });

  it("is not installed on a dev server that did not ask for it", async () => {
    const report = await metering(shared);
    expect(report).toMatchObject({ installed: false, isolate: null, counters: {} });
    const denied = await fetch(`${shared}/v1/dev/metering`, { headers: { authorization: `Bearer ${await e2eToken(uniqueUser())}` } });
    expect(denied.status).toBe(403);
  });
});
