import { describe, expect, it } from "vitest";
import { call, getJson, postJson, tokenFor, uniqueTarget, uniqueUser } from "./helpers";

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
}

describe("bad input is a 4xx with the error shape and writes nothing", () => {
  const badBodies: [string, (target: string) => unknown][] = [
    ["unknown target kind", () => ({ target: "video:abc", action: "like" })],
    ["id with a forbidden character", () => ({ target: "post:abc def", action: "like" })],
    ["id longer than 64", () => ({ target: `post:${"a".repeat(65)}`, action: "like" })],
    ["empty id", () => ({ target: "post:", action: "like" })],
    ["missing action", (target) => ({ target })],
    ["missing target", () => ({ action: "like" })],
    ["unknown action", (target) => ({ target, action: "love" })],
    ["extra field", (target) => ({ target, action: "like", count: 1000 })],
    ["wrong type", (target) => ({ target, action: 1 })],
    ["array body", (target) => [{ target, action: "like" }]],
    ["null body", () => null],
  ];

  for (const [name, body] of badBodies) {
    it(`refuses ${name}`, async () => {
      const target = uniqueTarget();
      const res = await postJson("/v1/likes", body(target), { token: await tokenFor(uniqueUser()) });
      await expectError(res, 400, "invalid_request");
      expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(0);
    });
  }

  it("refuses malformed JSON", async () => {
    const target = uniqueTarget();
    const res = await call("/v1/likes", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser())}` },
      body: `{"target":"${target}","action":"like"`,
    });
    await expectError(res, 400, "invalid_json");
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(0);
  });

  it("refuses a body that is not JSON", async () => {
    const target = uniqueTarget();
    const res = await call("/v1/likes", {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${await tokenFor(uniqueUser())}` },
      body: `target=${target}&action=like`,
    });
    await expectError(res, 415, "unsupported_media_type");
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(0);
  });

  it("refuses a body over 16 KB with 413", async () => {
    const target = uniqueTarget();
    const res = await postJson(
      "/v1/likes",
      { target, action: "like", padding: "x".repeat(17 * 1024) },
      { token: await tokenFor(uniqueUser()) },
    );
    await expectError(res, 413, "payload_too_large");
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(0);
  });

  it("refuses an Idempotency-Key over 200 characters", async () => {
    const target = uniqueTarget();
    const res = await postJson(
      "/v1/likes",
      { target, action: "like" },
      { token: await tokenFor(uniqueUser()), headers: { "idempotency-key": "k".repeat(201) } },
    );
    await expectError(res, 400, "invalid_request");
  });

  it("refuses more than 100 batch targets, an empty batch and bad ids in a batch", async () => {
    const many = Array.from({ length: 101 }, () => uniqueTarget());
    await expectError(await postJson("/v1/counts/batch", { targets: many }), 400, "invalid_request");
    await expectError(await postJson("/v1/counts/batch", { targets: [] }), 400, "invalid_request");
    await expectError(await postJson("/v1/counts/batch", { targets: ["post:ok", "nope"] }), 400, "invalid_request");
    await expectError(await postJson("/v1/counts/batch", { game_ids: ["post:ok"] }), 400, "invalid_request");
  });

  it("refuses bad target ids and user ids in paths", async () => {
    await expectError(await call("/v1/targets/video:1/count"), 400, "invalid_request");
    await expectError(await call("/v1/targets/post:bad!id/stats"), 400, "invalid_request");
    await expectError(await call(`/v1/users/${"u".repeat(129)}/likes`), 400, "invalid_request");
    await expectError(await call("/v1/users/alice/likes/nope"), 400, "invalid_request");
  });

  it("refuses out-of-range limits and forged cursors on a user's likes", async () => {
    await expectError(await call("/v1/users/alice/likes?limit=0"), 400, "invalid_request");
    await expectError(await call("/v1/users/alice/likes?limit=101"), 400, "invalid_request");
    await expectError(await call("/v1/users/alice/likes?limit=ten"), 400, "invalid_request");
    await expectError(await call("/v1/users/alice/likes?cursor=not-a-cursor"), 400, "invalid_request");
    await expectError(await call(`/v1/users/alice/likes?cursor=${btoa('["x","y"]')}`), 400, "invalid_request");
  });

  it("answers unknown routes with a 404 in the error shape", async () => {
    await expectError(await call("/v2/likes"), 404, "not_found");
  });
});
