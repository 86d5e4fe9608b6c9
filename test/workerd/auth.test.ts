import { describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import { getJson, postJson, TEST_AUTH_SECRET, tokenFor, uniqueTarget, uniqueUser } from "./helpers";

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function expectRefused(target: string, token: string | undefined, status: number, code: string) {
  const res = await postJson("/v1/likes", { target, action: "like" }, token === undefined ? {} : { token });
  expect(res.status).toBe(status);
  expect(await res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
}

async function expectNothingWritten(target: string) {
  expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(0);
}

describe("write authentication", () => {
  it("refuses a write without a token with 401", async () => {
    const target = uniqueTarget();
    await expectRefused(target, undefined, 401, "unauthorized");
    await expectNothingWritten(target);
  });

  it("refuses a token signed with another secret", async () => {
    const target = uniqueTarget();
    await expectRefused(target, await tokenFor("mallory", { secret: "not-the-secret" }), 401, "unauthorized");
    await expectNothingWritten(target);
  });

  it("refuses an expired token", async () => {
    const target = uniqueTarget();
    await expectRefused(target, await tokenFor("alice", { ttlSeconds: -60 }), 401, "unauthorized");
    await expectNothingWritten(target);
  });

  it("refuses a token without exp", async () => {
    const target = uniqueTarget();
    const token = await sign({ sub: "alice" }, TEST_AUTH_SECRET, "HS256");
    await expectRefused(target, token, 401, "unauthorized");
    await expectNothingWritten(target);
  });

  it("refuses an unsigned alg:none token", async () => {
    const target = uniqueTarget();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub: "alice", exp })}.`;
    await expectRefused(target, token, 401, "unauthorized");
    await expectNothingWritten(target);
  });

  it("refuses a token whose payload was edited after signing", async () => {
    const target = uniqueTarget();
    const [header, , signature] = (await tokenFor("alice")).split(".");
    const forged = `${header}.${base64url({ sub: "admin", exp: Math.floor(Date.now() / 1000) + 3600 })}.${signature}`;
    await expectRefused(target, forged, 401, "unauthorized");
    await expectNothingWritten(target);
  });

  it("refuses a body user_id that differs from the token's subject with 403", async () => {
    const target = uniqueTarget();
    const res = await postJson("/v1/likes", { target, action: "like", user_id: "bob" }, { token: await tokenFor("alice") });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "forbidden" } });
    await expectNothingWritten(target);
  });

  it("accepts a body user_id equal to the token's subject and records the token's user", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const res = await postJson("/v1/likes", { target, action: "like", user_id: user }, { token: await tokenFor(user) });
    expect(res.status).toBe(200);
    expect((await getJson(`/v1/users/${user}/likes/${target}`)).body.liked).toBe(true);
  });

  it("refuses toggles without a valid token", async () => {
    const target = uniqueTarget();
    const res = await postJson("/v1/likes/toggle", { target });
    expect(res.status).toBe(401);
    await expectNothingWritten(target);
  });
});
