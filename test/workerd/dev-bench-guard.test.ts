import { env, createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/app";
import { MAX_BENCH_LIKES } from "../../workers/routes/bench";
import { getJson, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { waitFor } from "./wait";

/** `wrangler dev` serves on loopback; the development routes answer only there. */
const LOCAL = "http://127.0.0.1:8787";
const PUBLIC = "https://engagement.example.com";
const app = createApp();

async function callAs(environment: string, url: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(url, init, { ...env, ENVIRONMENT: environment }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function benchRequest(body: unknown, token?: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  };
}

const adminToken = () => tokenFor(uniqueUser("bench-admin"), { roles: ["admin"] });

describe("POST /v1/dev/bench/rpc-likes", () => {
  it("is a 404 off loopback even in development, with or without an admin token, and likes nothing", async () => {
    const target = uniqueTarget();
    for (const token of [undefined, await adminToken()]) {
      const res = await SELF.fetch(`${PUBLIC}/v1/dev/bench/rpc-likes`, benchRequest({ target, total: 5, batch: 5 }, token));
      expect(res.status).toBe(404);
    }
    expect((await getJson(`/v1/targets/${target}/count`)).body.count).toBe(0);
  });

  it("is a 404 outside development, even on loopback with an admin token", async () => {
    const res = await callAs("production", `${LOCAL}/v1/dev/bench/rpc-likes`, benchRequest({ target: uniqueTarget(), total: 5, batch: 5 }, await adminToken()));
    expect(res.status).toBe(404);
  });

  it("needs a token, and one with the admin role", async () => {
    const target = uniqueTarget();
    expect((await SELF.fetch(`${LOCAL}/v1/dev/bench/rpc-likes`, benchRequest({ target, total: 5, batch: 5 }))).status).toBe(401);
    const viewer = await tokenFor(uniqueUser());
    expect((await SELF.fetch(`${LOCAL}/v1/dev/bench/rpc-likes`, benchRequest({ target, total: 5, batch: 5 }, viewer))).status).toBe(403);
    expect((await getJson(`/v1/targets/${target}/count`)).body.count).toBe(0);
  });

  it("refuses runs over its bounds with 400", async () => {
    const token = await adminToken();
    for (const body of [
      { target: uniqueTarget(), total: MAX_BENCH_LIKES + 1, batch: 1_000 },
      { target: uniqueTarget(), total: 10, batch: 10, concurrency: 16 },
      { target: uniqueTarget(), total: 10, batch: 10, shards: 64 },
    ]) {
      expect((await SELF.fetch(`${LOCAL}/v1/dev/bench/rpc-likes`, benchRequest(body, token))).status).toBe(400);
    }
  });

  it("drives the room for an admin on loopback in development", async () => {
    const target = uniqueTarget();
    const res = await SELF.fetch(`${LOCAL}/v1/dev/bench/rpc-likes`, benchRequest({ target, total: 30, batch: 10 }, await adminToken()));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ target, likes: 30, rpcs: 3, count: 30 });
  });
});

describe("the /v1/dev/* guard", () => {
  it("answers 404 for every development route off loopback, known or not", async () => {
    for (const path of ["/v1/dev/token", "/v1/dev/faults", "/v1/dev/bench/rpc-likes", "/v1/dev/bench/floor/fire", "/v1/dev/bench/index-entries", "/v1/dev/anything"]) {
      const res = await SELF.fetch(`${PUBLIC}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.status, path).toBe(404);
    }
  });
});

describe("the bench's floor and convergence routes (/v1/dev/bench/floor/*, index-entries)", () => {
  const upgrade = { headers: { upgrade: "websocket" } };

  it("are a 404 outside development and off loopback, socket and admin calls alike", async () => {
    const admin = await adminToken();
    const fire = benchRequest({ name: "guard", seq: 1 }, admin);
    const entries = benchRequest({ target: uniqueTarget(), userIds: ["someone"] }, admin);
    expect((await callAs("production", `${LOCAL}/v1/dev/bench/floor/fire`, fire)).status).toBe(404);
    expect((await callAs("production", `${LOCAL}/v1/dev/bench/floor/guard/live`, upgrade)).status).toBe(404);
    expect((await callAs("production", `${LOCAL}/v1/dev/bench/index-entries`, entries)).status).toBe(404);
    expect((await SELF.fetch(`${PUBLIC}/v1/dev/bench/floor/guard/live`, upgrade)).status).toBe(404);
    expect((await SELF.fetch(`${LOCAL}/v1/dev/bench/floor/fire`, benchRequest({ name: "guard", seq: 1 }))).status).toBe(401);
  });

  it("sends one count frame to every floor socket", async () => {
    const name = `f-${crypto.randomUUID().slice(0, 8)}`;
    const res = await SELF.fetch(`${LOCAL}/v1/dev/bench/floor/${name}/live`, upgrade);
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const frames: unknown[] = [];
    ws.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
    ws.accept();
    const fired = await SELF.fetch(`${LOCAL}/v1/dev/bench/floor/fire`, benchRequest({ name, seq: 7 }, await adminToken()));
    expect(await fired.json()).toEqual({ sockets: 1 });
    await waitFor(async () => frames.length, (n) => n >= 2, 5_000, "hello and the count frame");
    expect(frames).toEqual([{ type: "hello", seq: 0 }, { type: "count", count: 7, seq: 7 }]);
    ws.close(1000, "done");
  });

  it("writes the same like rows into a bare object, and refuses shards there", async () => {
    const token = await adminToken();
    const target = uniqueTarget();
    const res = await SELF.fetch(`${LOCAL}/v1/dev/bench/rpc-likes`, benchRequest({ target, total: 30, batch: 10, into: "bare" }, token));
    expect(await res.json()).toMatchObject({ target, likes: 30, rpcs: 3, count: 30 });
    // The room itself was never written.
    expect((await getJson(`/v1/targets/${target}/count`)).body.count).toBe(0);
    const sharded = benchRequest({ target: uniqueTarget(), total: 10, batch: 10, into: "bare", shards: 2 }, token);
    expect((await SELF.fetch(`${LOCAL}/v1/dev/bench/rpc-likes`, sharded)).status).toBe(400);
  });

  it("answers each user's index entry with when it was applied, null where there is none", async () => {
    const [userId, stranger] = [uniqueUser(), uniqueUser()];
    const target = uniqueTarget();
    await env.USER_STATE.get(env.USER_STATE.idFromName(userId)).ingest({
      userId,
      events: [{ eventId: `${target}/0/1`, type: "like", target, userId, at: 1_000, seq: 1 }],
    });
    const res = await SELF.fetch(`${LOCAL}/v1/dev/bench/index-entries`, benchRequest({ target, userIds: [userId, stranger] }, await adminToken()));
    const body = (await res.json()) as { entries: unknown[] };
    expect(body.entries).toEqual([{ userId, liked: true, changedAt: 1_000, appliedAt: expect.any(Number) }, null]);
  });
});
