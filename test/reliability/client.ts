import { sign } from "hono/jwt";
import type { z } from "zod";
import { LiveTicket } from "../../protocol/live-tickets";

export const RELIABILITY_AUTH_SECRET = "reliability-secret-for-the-local-dev-server-only";

/**
 * Rate limits far above what these tests send: they measure whether writes survive faults,
 * not the limiter (the abuse tests cover that).
 */
/** Per room; the per-user quotas across rooms too. (USER_WRITES and MODERATION_WRITES are bindings: wrangler.toml.) */
export const UNLIMITED_RATES = {
  COMMENT_RATE_PER_MINUTE: "1000000",
  REACTION_RATE_PER_MINUTE: "1000000",
  USER_NEW_ROOMS_PER_DAY: "1000000",
  USER_REGISTRATIONS_PER_DAY: "1000000",
};

/** Every request is bounded: a hung request during a fault counts as unacknowledged, not as a hang. */
const REQUEST_TIMEOUT_MS = 10_000;

export async function tokenFor(userId: string, roles: string[] = []): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + 3 * 3600, ...(roles.length > 0 ? { roles } : {}) }, RELIABILITY_AUTH_SECRET, "HS256");
}

export function uniqueTarget(kind = "post"): string {
  return `${kind}:${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
}

export interface Answer {
  status: number;
  body: unknown;
}

/** One request; a network failure or timeout answers status 0 (never acknowledged). */
export async function call(baseUrl: string, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the failure message
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: null };
  }
}

/** A read that must succeed: parses the answer with the protocol's schema. */
export async function read<T extends z.ZodType>(baseUrl: string, path: string, schema: T, init: Parameters<typeof call>[2] = {}): Promise<z.infer<T>> {
  const answer = await call(baseUrl, path, init);
  if (answer.status !== 200) throw new Error(`${init.method ?? "GET"} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return schema.parse(answer.body);
}

/** Polls `probe` until `done` holds or the deadline passes; answers the last value either way. */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
  }
  return value;
}

/**
 * The URL of a signed-in socket: the token buys a single-use ticket first, because a token in
 * a URL ends up in logs (and the server refuses `?token=`).
 */
export async function signedInLiveUrl(baseUrl: string, token: string, target: string): Promise<string> {
  const answer = await call(baseUrl, "/v1/live/tickets", { token, body: { target } });
  if (answer.status !== 201) throw new Error(`POST /v1/live/tickets answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const { ticket } = LiveTicket.parse(answer.body);
  return `${baseUrl.replace(/^http/, "ws")}/v1/targets/${encodeURIComponent(target)}/live?ticket=${encodeURIComponent(ticket)}`;
}
