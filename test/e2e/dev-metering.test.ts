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
