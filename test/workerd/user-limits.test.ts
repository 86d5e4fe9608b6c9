import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_USER_QUOTAS } from "../../durable-objects/users/user-limits";
import { call, getJson, like, postJson, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { api, registerAs, targetPath } from "./moderation-helpers";
import { LiveSocket } from "./live-socket";
import { CLOSE_CODES } from "../../protocol/live";

/** wrangler.toml `[[ratelimits]]`: USER_WRITES and MODERATION_WRITES, per 60 s. */
const USER_WRITES_PER_MINUTE = 300;
const MODERATION_WRITES_PER_MINUTE = 60;

/**
 * The local Rate Limiting emulation counts in windows aligned to the minute: a burst that
 * straddles a minute would start counting again halfway. Start bursts early in a minute.
 */
async function earlyInAMinute(): Promise<void> {
  const second = (Date.now() / 1000) % 60;
  if (second > 30) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
}

function userState(userId: string) {
  return env.USER_STATE.get(env.USER_STATE.idFromName(userId));
}

/** Uses up a user's daily quota of `kind` with targets nobody will see. */
async function useUpQuota(userId: string, kind: "room" | "registration", perDay: number, used = 0): Promise<void> {
  for (let i = used; i < perDay; i++) {
    expect(await userState(userId).admit({ userId, target: uniqueTarget(), kind, perDay })).toEqual({ ok: true });
  }
}

async function storedTables(target: string): Promise<number> {
  return runInDurableObject(roomStub(target), async (_room, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master").one().n);
}

async function toggle(target: string, token: string, headers: Record<string, string> = {}) {
  const res = await postJson("/v1/likes/toggle", { target }, { token, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get("retry-after") };
}

describe("per-user limits across rooms", () => {
  it("refuses a user's writes over the cross-room rate with 429 and Retry-After, in rooms that each allow more", { timeout: 90_000 }, async () => {
    const targets = [uniqueTarget(), uniqueTarget(), uniqueTarget(), uniqueTarget()];
    for (const target of targets) await like(target, uniqueUser());
    const token = await tokenFor(uniqueUser("busy"));
    await earlyInAMinute();
    // 75 per room: under the 100 one room allows a user per minute.
    for (let i = 0; i < USER_WRITES_PER_MINUTE; i++) {
      const answer = await toggle(targets[i % targets.length]!, token);
      expect(answer.status, `write ${i}`).toBe(200);
    }
    const refused = await toggle(targets[0]!, token);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: "rate_limited" } });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // Another user is not affected.
    expect((await like(targets[0]!, uniqueUser())).status).toBe(200);
  });

  it("refuses the rooms a user's writes would create over their daily quota, and stores none of them", async () => {
    const user = uniqueUser("spreader");
    await useUpQuota(user, "room", DEFAULT_USER_QUOTAS.newRoomsPerDay);
    const fresh = uniqueTarget();
    const refused = await like(fresh, user);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: "quota_exceeded" } });
    const comment = await postJson(`/v1/targets/${fresh}/comments`, { text: "first!" }, { token: await tokenFor(user) });
    expect(comment.status).toBe(429);
    const reaction = await postJson("/v1/reactions", { target: fresh, emoji: "like", action: "add" }, { token: await tokenFor(user) });
    expect(reaction.status).toBe(429);
    expect(await storedTables(fresh)).toBe(0);
    // A room someone else made is no new room: the same user may still like there.
    const existing = uniqueTarget();
    await like(existing, uniqueUser());
    expect((await like(existing, user)).status).toBe(200);
    expect((await getJson(`/v1/targets/${existing}/count`)).body.count).toBe(2);
  });

  it("refuses a signed-in socket that would store a new room over the quota; an anonymous one stores nothing", async () => {
    const user = uniqueUser("watcher");
    await useUpQuota(user, "room", DEFAULT_USER_QUOTAS.newRoomsPerDay);
    const fresh = uniqueTarget();
    const signedIn = await LiveSocket.open(fresh, { token: await tokenFor(user) });
    const error = await signedIn.next("error");
    expect(error.error.code).toBe("quota_exceeded");
    expect((await signedIn.closed).code).toBe(CLOSE_CODES.tooManyFrames);
    const anonymous = await LiveSocket.open(fresh);
    await anonymous.next("hello");
    expect(await storedTables(fresh)).toBe(0);
    anonymous.close();
    // Within the quota the ticket is spent in the room it stores, and the socket may write.
    const other = uniqueUser("watcher");
    const allowed = await LiveSocket.open(fresh, { token: await tokenFor(other) });
    await allowed.next("hello");
    expect(await storedTables(fresh)).toBeGreaterThan(0);
    allowed.close();
  });

  it("refuses registering targets over the daily quota, but lets the owner retitle theirs", async () => {
    const user = uniqueUser("registrar");
    const own = uniqueTarget("stream");
    const token = await registerAs(own, user);
    await useUpQuota(user, "registration", DEFAULT_USER_QUOTAS.registrationsPerDay, 1);
    const refused = await api("PUT", targetPath(uniqueTarget("stream")), token, { title: "one too many" });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: "quota_exceeded" } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await api("PUT", targetPath(own), token, { title: "renamed" })).status).toBe(200);
  });

  it("limits a moderator's writes across rooms: settings patches over the rate are 429", { timeout: 90_000 }, async () => {
    const owner = uniqueUser("owner");
    const target = uniqueTarget("stream");
    await earlyInAMinute();
    const token = await registerAs(target, owner);
    let accepted = 1;
    for (let i = 0; i < MODERATION_WRITES_PER_MINUTE + 5; i++) {
      const res = await api("PATCH", targetPath(target, "/settings"), token, { slowModeSeconds: i % 2 });
      if (res.status === 429) {
        expect(res.body).toMatchObject({ error: { code: "rate_limited" } });
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        break;
      }
      expect(res.status).toBe(200);
      accepted++;
    }
    // The registration counted too.
    expect(accepted).toBe(MODERATION_WRITES_PER_MINUTE);
  });
});

describe("a repeated Idempotency-Key", () => {
  it("gets its first answer however often it is repeated, and uses no like budget", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await toggle(target, token, key);
    expect(first.status).toBe(200);
    // More repeats than the room allows taps in a minute (100).
    for (let i = 0; i < 120; i++) {
      const again = await toggle(target, token, key);
      expect(again.status, `repeat ${i}`).toBe(200);
      expect(again.body).toEqual(first.body);
    }
    const fresh = await toggle(target, token);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ liked: false });
  });

  it("gets its first answer from a sharded target's shard too, using no budget there", async () => {
    const target = uniqueTarget();
    const admin = await tokenFor(uniqueUser("admin"), { roles: ["admin"] });
    const sharded = await call(`/v1/admin/targets/${target}/shards`, {
      method: "PUT",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ n: 2 }),
    });
    expect(sharded.status).toBe(200);
    const token = await tokenFor(uniqueUser());
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await toggle(target, token, key);
    expect(first.status).toBe(200);
    for (let i = 0; i < 120; i++) {
      const again = await toggle(target, token, key);
      expect(again.status, `repeat ${i}`).toBe(200);
      expect(again.body).toEqual(first.body);
    }
    expect((await toggle(target, token)).status).toBe(200);
  });

  it("gets its first answer even when the user is over the limit now", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await postJson("/v1/reactions", { target, emoji: "wow", action: "add" }, { token, headers: key });
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    let refused = false;
    for (let i = 0; i < 120 && !refused; i++) refused = (await toggle(target, token)).status === 429;
    expect(refused).toBe(true);
    const again = await postJson("/v1/reactions", { target, emoji: "wow", action: "add" }, { token, headers: key });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(firstBody);
  });

  it("repeats a reaction without using the room's budget", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const key = { "idempotency-key": crypto.randomUUID() };
    const body = { target, emoji: "haha", action: "add" };
    expect((await postJson("/v1/reactions", body, { token, headers: key })).status).toBe(200);
    for (let i = 0; i < 120; i++) expect((await postJson("/v1/reactions", body, { token, headers: key })).status, `repeat ${i}`).toBe(200);
    expect((await postJson("/v1/reactions", { target, emoji: "sad", action: "add" }, { token })).status).toBe(200);
  });
});
