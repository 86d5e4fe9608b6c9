import { env, createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/app";
import { verifyToken } from "../../workers/auth";
import { DevTokenResponse } from "../../workers/routes/dev";
import { call, getJson, postJson, uniqueTarget, uniqueUser } from "./helpers";

/** `wrangler dev` serves on loopback; the route answers only there. */
const LOCAL = "http://127.0.0.1:8787";

const app = createApp();

/** The same Worker with another ENVIRONMENT, as a deployment would run it; bindings stay real. */
async function callAs(environment: string, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, { ...env, ENVIRONMENT: environment }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const devTokenRequest = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

function requestDevToken(body: unknown, base = LOCAL): Promise<Response> {
  return SELF.fetch(`${base}/v1/dev/token`, devTokenRequest(body));
}

describe("development sign-in", () => {
  it("signs a token the API accepts for the chosen user and name", async () => {
    const userId = uniqueUser("dev");
    const res = await requestDevToken({ userId, name: "Ada" });
    expect(res.status).toBe(200);
    const body = DevTokenResponse.parse(await res.json());
    expect(body).toMatchObject({ userId, name: "Ada" });
    const claims = await verifyToken(body.token, env.AUTH_SECRET ?? "");
    expect(claims).toMatchObject({ sub: userId, name: "Ada" });
    expect(claims.exp * 1000).toBe(Date.parse(body.expiresAt));

    const target = uniqueTarget();
    const like = await postJson("/v1/likes", { target, action: "like" }, { token: body.token });
    expect(like.status).toBe(200);
    expect((await getJson(`/v1/users/${userId}/likes/${target}`)).body.liked).toBe(true);
  });

  it("names the user after their id when no name is given", async () => {
    const userId = uniqueUser("dev");
    const body = DevTokenResponse.parse(await (await requestDevToken({ userId })).json());
    expect(body.name).toBe(userId);
  });

  it("cleans the chosen name like a token's, and names the user after their id when nothing visible is left", async () => {
    const userId = uniqueUser("dev");
    const cases: [string, string][] = [
      ["\u202eAda\u200b Lovelace\u2066", "Ada Lovelace"],
      ["  Ada  ", "Ada"],
      ["\u3164", userId],
      ["\u200b\u2800", userId],
      ["", userId],
    ];
    for (const [name, shown] of cases) {
      const body = DevTokenResponse.parse(await (await requestDevToken({ userId, name })).json());
      expect(body.name, JSON.stringify(name)).toBe(shown);
      expect((await verifyToken(body.token, env.AUTH_SECRET ?? "")).name).toBe(shown);
    }
  });

  it("refuses user ids outside the dev pattern and unknown fields with 400", async () => {
    for (const bad of [{ userId: "" }, { userId: "a b" }, { userId: "x".repeat(65) }, { userId: "ok", roles: ["admin"] }, {}]) {
      const res = await requestDevToken(bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
    const notJson = await SELF.fetch(`${LOCAL}/v1/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("does not exist outside development: 404 with the API's not_found shape", async () => {
    for (const environment of ["production", "staging", ""]) {
      const res = await callAs(environment, `${LOCAL}/v1/dev/token`, devTokenRequest({ userId: "mallory" }));
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
  });

  it("answers in development when called the same way the production check is", async () => {
    const res = await callAs("development", `${LOCAL}/v1/dev/token`, devTokenRequest({ userId: uniqueUser("dev") }));
    expect(res.status).toBe(200);
  });

  it("does not exist under a public host even in development (a deploy that kept ENVIRONMENT)", async () => {
    for (const base of ["https://engagement.example.com", "https://edge-engagement.someone.workers.dev", "http://10.0.0.5:8787"]) {
      const res = await requestDevToken({ userId: "mallory" }, base);
      expect(res.status, base).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
    for (const base of ["http://localhost:8787", "http://[::1]:8787"]) {
      expect((await requestDevToken({ userId: uniqueUser("dev") }, base)).status, base).toBe(200);
    }
  });

  it("is not listed in the OpenAPI document", async () => {
    const doc = await (await call("/openapi.json")).text();
    expect(doc).not.toContain("/v1/dev/token");
  });
});
