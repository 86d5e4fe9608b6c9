import { env, createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/app";
import { LakeListResponse } from "../../workers/routes/dev-lake";
import { EVENTS_QUEUE } from "../../workers/queues";
import { tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { batchMessage, deliver, likeEvents } from "./pipeline-helpers";
import { lakeObjectsOf, readLakeObject } from "./lake-helpers";

const LOCAL = "http://127.0.0.1:8787";
const PUBLIC = "https://engagement.example.com";
const app = createApp();

async function callAs(environment: string, url: string, token?: string): Promise<Response> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const init = { headers };
  const res = await app.request(url, init, { ...env, ENVIRONMENT: environment }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const adminToken = () => tokenFor(uniqueUser("lake-admin"), { roles: ["admin"] });

describe("development lake routes", () => {
  it("are a plain 404 outside development and off loopback, and need an admin token", async () => {
    const admin = await adminToken();
    for (const path of ["/v1/dev/lake", "/v1/dev/lake/object?key=events/x"]) {
      expect((await callAs("production", `${LOCAL}${path}`, admin)).status).toBe(404);
      expect((await SELF.fetch(`${PUBLIC}${path}`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(404);
      expect((await callAs("development", `${LOCAL}${path}`)).status).toBe(401);
      expect((await callAs("development", `${LOCAL}${path}`, await tokenFor(uniqueUser()))).status).toBe(403);
    }
  });

  it("refuses keys and prefixes outside the lake with 400 and an unknown key with 404", async () => {
    const admin = await adminToken();
    expect((await callAs("development", `${LOCAL}/v1/dev/lake?prefix=other/`, admin)).status).toBe(400);
    expect((await callAs("development", `${LOCAL}/v1/dev/lake/object?key=other/x`, admin)).status).toBe(400);
    expect((await callAs("development", `${LOCAL}/v1/dev/lake/object?key=events/none`, admin)).status).toBe(404);
  });

  it("lists a target's objects and hands out each one's bytes as stored", async () => {
    const target = uniqueTarget();
    const events = likeEvents(target, [uniqueUser(), uniqueUser()], Date.now());
    await deliver(EVENTS_QUEUE, [batchMessage(events)]);
    const [stored] = await lakeObjectsOf(target);
    const admin = await adminToken();
    const prefix = stored!.key.slice(0, stored!.key.lastIndexOf("/") + 1);
    const listed = LakeListResponse.parse(await (await callAs("development", `${LOCAL}/v1/dev/lake?prefix=${encodeURIComponent(prefix)}`, admin)).json());
    expect(listed).toMatchObject({ objects: [{ key: stored!.key, events: 2 }], cursor: null });

    const res = await callAs("development", `${LOCAL}/v1/dev/lake/object?key=${encodeURIComponent(stored!.key)}`, admin);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    const text = await new Response(res.body!.pipeThrough(new DecompressionStream("gzip"))).text();
    const lines = text.trim().split("\n").map((line) => JSON.parse(line) as { event_id: string });
    expect(lines.map((line) => line.event_id)).toEqual((await readLakeObject(stored!.key)).map((row) => row.event_id));
  });
});
