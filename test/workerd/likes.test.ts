import { describe, expect, it } from "vitest";
import { getJson, like, postJson, tokenFor, uniqueTarget, uniqueUser } from "./helpers";

describe("liking and unliking", () => {
  it("counts a user's second like once", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const first = await like(target, user);
    const second = await like(target, user);
    expect(first).toEqual({ status: 200, body: { target, liked: true, count: 1, changed: true, seq: 1 } });
    expect(second).toEqual({ status: 200, body: { target, liked: true, count: 1, changed: false, seq: 1 } });
  });

  it("changes nothing when a user unlikes a target they never liked", async () => {
    const target = uniqueTarget();
    const result = await like(target, uniqueUser(), "unlike");
    expect(result).toEqual({ status: 200, body: { target, liked: false, count: 0, changed: false, seq: 0 } });
    expect((await getJson(`/v1/targets/${target}/count`)).body.count).toBe(0);
  });

  it("decrements on unlike and gives every change the next seq", async () => {
    const target = uniqueTarget();
    const [alice, bob] = [uniqueUser("alice"), uniqueUser("bob")];
    await like(target, alice);
    await like(target, bob);
    const unliked = await like(target, alice, "unlike");
    expect(unliked.body).toEqual({ target, liked: false, count: 1, changed: true, seq: 3 });
    const again = await like(target, alice, "unlike");
    expect(again.body).toEqual({ target, liked: false, count: 1, changed: false, seq: 3 });
  });

  it("keeps the count equal to distinct likers under concurrent repeated likes", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 40 }, () => uniqueUser());
    const attempts = users.flatMap((user) => [user, user, user]);
    const results = await Promise.all(attempts.map((user) => like(target, user)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.changed === true)).toHaveLength(users.length);
    const seqs = results.filter((r) => r.body.changed === true).map((r) => r.body.seq as number);
    expect(new Set(seqs).size).toBe(users.length);
    expect(Math.max(...seqs)).toBe(users.length);
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(users.length);
  });

  it("keeps the count exact under concurrent likes and unlikes by the same users", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 20 }, () => uniqueUser());
    await Promise.all(users.map((user) => like(target, user)));
    const flips = await Promise.all(users.map((user, i) => like(target, user, i % 2 === 0 ? "unlike" : "like")));
    expect(flips.filter((r) => r.body.changed === true)).toHaveLength(10);
    const statuses = await Promise.all(users.map((user) => getJson(`/v1/users/${user}/likes/${target}`)));
    const stillLiking = statuses.filter((s) => s.body.liked === true).length;
    expect(stillLiking).toBe(10);
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(stillLiking);
  });

  it("toggles a like on and off", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const on = await postJson("/v1/likes/toggle", { target }, { token });
    expect(await on.json()).toEqual({ target, liked: true, count: 1, changed: true, seq: 1 });
    const off = await postJson("/v1/likes/toggle", { target }, { token });
    expect(await off.json()).toEqual({ target, liked: false, count: 0, changed: true, seq: 2 });
  });
});

describe("Idempotency-Key", () => {
  it("returns the first answer when a key is repeated, even after the state moved on", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await like(target, user, "like", key);
    await like(target, user, "unlike");
    const repeat = await like(target, user, "like", key);
    expect(first.body).toEqual({ target, liked: true, count: 1, changed: true, seq: 1 });
    expect(repeat).toEqual(first);
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(0);
  });

  it("applies a retried toggle once", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const headers = { "idempotency-key": "toggle-retry-1" };
    const first = await (await postJson("/v1/likes/toggle", { target }, { token, headers })).json();
    const retry = await (await postJson("/v1/likes/toggle", { target }, { token, headers })).json();
    expect(retry).toEqual(first);
    expect((await getJson(`/v1/targets/${target}/stats`)).body.likes).toBe(1);
  });

  it("refuses a key reused for a different action with 422", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const key = { "idempotency-key": "k-1" };
    await like(target, user, "like", key);
    const reused = await like(target, user, "unlike", key);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: { code: "idempotency_conflict" } });
    expect((await getJson(`/v1/users/${user}/likes/${target}`)).body.liked).toBe(true);
  });

  it("scopes keys per user", async () => {
    const target = uniqueTarget();
    const key = { "idempotency-key": "shared-key" };
    const a = await like(target, uniqueUser(), "like", key);
    const b = await like(target, uniqueUser(), "like", key);
    expect(a.body.count).toBe(1);
    expect(b.body).toMatchObject({ changed: true, count: 2 });
  });
});
