import { env, createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../protocol/events";
import { meterEnv, meteringReport, meteringWanted } from "../../workers/dev-metering";
import { targetCounts } from "../../platform/db/schema";
import { createApp } from "../../workers/app";
import { MeteringResponse } from "../../protocol/metering";
import { tokenFor, uniqueTarget, uniqueUser } from "./helpers";

/** Counters of one origin, so tests sharing this isolate never see each other's. */
function countersOf(origin: string): Record<string, number> {
  return Object.fromEntries(Object.entries(meteringReport().counters).filter(([key]) => key.startsWith(`${origin}/`)));
}

function origin(): string {
  return `test-${crypto.randomUUID().slice(0, 8)}`;
}

describe("the development metering hook", () => {
  it("counts every D1 statement however it is run: alone, bound, batched, exec'd, through drizzle", async () => {
    const who = origin();
    const metered = meterEnv(env, who);
    await metered.DB.prepare("SELECT 1 AS one").first();
    await metered.DB.prepare("SELECT ? AS two").bind(2).all();
    const results = await metered.DB.batch([1, 2, 3].map((n) => metered.DB.prepare("SELECT ? AS n").bind(n)));
    await metered.DB.exec("SELECT 1;\nSELECT 2;");
    await drizzle(metered.DB).select().from(targetCounts).limit(1);
    expect(results.map((r) => r.results)).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]]);
    expect(countersOf(who)).toEqual({
      [`${who}/d1.statements/DB`]: 1 + 1 + 3 + 2 + 1,
      [`${who}/d1.calls/DB`]: 5,
    });
  });

  it("counts queue messages, not calls, and R2 puts apart from the objects they stored", async () => {
    const who = origin();
    const metered = meterEnv(env, who);
    const event = { eventId: crypto.randomUUID(), type: "like", target: uniqueTarget(), userId: uniqueUser(), at: Date.now(), seq: 1 } satisfies EngagementEvent;
    await metered.EVENTS.send(event);
    await metered.EVENTS.sendBatch([{ body: event }, { body: event }, { body: event }]);
    const key = `metering-test/${crypto.randomUUID()}`;
    expect(await metered.LAKE.put(key, "one", { onlyIf: { etagDoesNotMatch: "*" } })).not.toBeNull();
    // Create-only, as the lake writes: the second put stores nothing.
    expect(await metered.LAKE.put(key, "two", { onlyIf: { etagDoesNotMatch: "*" } })).toBeNull();
    expect(await (await metered.LAKE.get(key))?.text()).toBe("one");
    expect(countersOf(who)).toEqual({
      [`${who}/queue.messages/EVENTS`]: 4,
      [`${who}/queue.calls/EVENTS`]: 2,
      [`${who}/r2.put/LAKE`]: 2,
      [`${who}/r2.written/LAKE`]: 1,
      [`${who}/r2.get/LAKE`]: 1,
    });
  });

  it("counts each call on a Durable Object stub by method, and the events a user index is fed", async () => {
    const who = origin();
    const metered = meterEnv(env, who);
    const userId = uniqueUser();
    const like = (seq: number): EngagementEvent => ({ eventId: crypto.randomUUID(), type: "like", target: uniqueTarget(), userId, at: Date.now(), seq });
    const stub = metered.USER_STATE.get(metered.USER_STATE.idFromName(userId));
    const first = await stub.ingest({ userId, events: [like(1), like(2)] });
    const again = await metered.USER_STATE.getByName(userId).ingest({ userId, events: [like(3)] });
    expect(again.pseudonym).toBe(first.pseudonym);
    expect(countersOf(who)).toEqual({
      [`${who}/do.requests/USER_STATE.ingest`]: 2,
      [`${who}/do.events/USER_STATE.ingest`]: 3,
    });
  });

  it("is wanted only in development and only when asked for", () => {
    expect(meteringWanted({ ENVIRONMENT: "development", DEV_METERING: "on" })).toBe(true);
    expect(meteringWanted({ ENVIRONMENT: "development" })).toBe(false);
    expect(meteringWanted({ ENVIRONMENT: "production", DEV_METERING: "on" })).toBe(false);
    // The test runtime's own Worker runs unmetered: every other test sees the plain bindings.
    expect(meteringWanted(env)).toBe(false);
  });
});

describe("GET /v1/dev/metering", () => {
  const LOCAL = "http://127.0.0.1:8787";
  const adminToken = () => tokenFor(uniqueUser("metering-admin"), { roles: ["admin"] });
  const get = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

  it("answers an admin on loopback in development with this isolate's counters", async () => {
    // The tests above wrap bindings in this same isolate, so their counters are what it reports
    // (test/e2e/dev-metering.test.ts checks a server without DEV_METERING reports none).
    const who = origin();
    await meterEnv(env, who).DB.prepare("SELECT 1").first();
    const res = await SELF.fetch(`${LOCAL}/v1/dev/metering`, get(await adminToken()));
    expect(res.status).toBe(200);
    const report = MeteringResponse.parse(await res.json());
    expect(report.installed).toBe(true);
    expect(report.counters[`${who}/d1.statements/DB`]).toBe(1);
  });

  it("wants a token with the admin role", async () => {
    expect((await SELF.fetch(`${LOCAL}/v1/dev/metering`)).status).toBe(401);
    expect((await SELF.fetch(`${LOCAL}/v1/dev/metering`, get(await tokenFor(uniqueUser())))).status).toBe(403);
  });

  it("is a plain 404 off loopback and in production", async () => {
    expect((await SELF.fetch("https://engagement.example.com/v1/dev/metering", get(await adminToken()))).status).toBe(404);
    const ctx = createExecutionContext();
    const res = await createApp().request(`${LOCAL}/v1/dev/metering`, get(await adminToken()), { ...env, ENVIRONMENT: "production", DEV_METERING: "on" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(404);
  });
});
