import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { sign } from "hono/jwt";
import { expect } from "vitest";
import { filterCommentText } from "../../durable-objects/moderation/text-filter";

export const TEST_AUTH_SECRET = "test-secret-for-workerd-tests-only";
const BASE = "https://engagement.test";

export function uniqueTarget(kind: "post" | "game" | "stream" | "comment" = "post"): string {
  return `${kind}:${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/**
 * `${prefix} <uuid>` as the room's default filter keeps it: a random id can spell a filtered
 * word once read as l33t (a "4bb0" or an "a55" in it is masked), and a test that looks for its
 * text must not fail on that one time in a few hundred.
 */
export function uniqueText(prefix: string): string {
  for (;;) {
    const text = `${prefix} ${crypto.randomUUID()}`;
    const kept = filterCommentText(text, "mask");
    if ("text" in kept && kept.text === text) return text;
  }
}

export function uniqueUser(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function tokenFor(
  userId: string,
  options: { ttlSeconds?: number; roles?: string[]; secret?: string; name?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    {
      sub: userId,
      iat: now,
      exp: now + (options.ttlSeconds ?? 3600),
      ...(options.roles ? { roles: options.roles } : {}),
      ...(options.name ? { name: options.name } : {}),
    },
    options.secret ?? TEST_AUTH_SECRET,
    "HS256",
  );
}

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, init);
}

export async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await call(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export async function postJson(
  path: string,
  body: unknown,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify(body),
  });
}

export async function like(
  target: string,
  userId: string,
  action: "like" | "unlike" = "like",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await postJson("/v1/likes", { target, action }, { token: await tokenFor(userId), headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export function roomStub(target: string) {
  return env.TARGET_ROOM.get(env.TARGET_ROOM.idFromName(target));
}

/** Runs the room's alarm now instead of waiting for it, so tests of its jobs stay deterministic. */
export async function runRoomAlarm(target: string): Promise<boolean> {
  return runDurableObjectAlarm(roomStub(target));
}

/** Polls until `check` passes or the deadline expires; for effects the runtime schedules itself. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/**
 * Many distinct users' likes, `perRpc` (up to 1,000) per RPC: a fast way to give a room a long
 * history. Each RPC is one commit, and the replay ring keeps or drops whole commits.
 */
export async function likeMany(target: string, users: number, perRpc = 1_000): Promise<void> {
  for (let done = 0; done < users; done += perRpc) {
    const ops = Array.from({ length: Math.min(perRpc, users - done) }, (_, i) => ({ userId: `bulk-${done + i}`, action: "like" as const }));
    // Seeding for no user: the per-user limits across rooms would only slow it down.
    await roomStub(target).applyLikes({ target, ops, unlimited: true });
  }
}

/** Spreads `target` over `n` like shards through the admin route, as an operator would. */
export async function shardTarget(target: string, n: number): Promise<void> {
  const admin = await tokenFor(uniqueUser("admin"), { roles: ["admin"] });
  const put = await call(`/v1/admin/targets/${target}/shards`, {
    method: "PUT",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ n }),
  });
  expect(put.status).toBe(200);
}
