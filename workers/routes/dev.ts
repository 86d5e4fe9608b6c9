import { Hono, type Context } from "hono";
import { sign } from "hono/jwt";
import { z } from "zod";
import { displayName } from "../../protocol/display-name";
import type { AppBindings } from "../app-types";
import { ApiError, validationError } from "../errors";
import { DevFaultsBody, devFaultsReport, setEventsConsumerFault } from "../dev-faults";

/** Long enough for a day of local work, short enough that a leaked dev token dies soon. */
export const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

export const DevTokenBody = z.strictObject({
  userId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "user id: 1-64 letters, digits, _ or -"),
  /** Cleaned like a token's name (protocol/display-name.ts); nothing visible means the user id. */
  name: z.string().max(1024).optional(),
});

export const DevTokenResponse = z.object({
  token: z.string(),
  userId: z.string(),
  name: z.string(),
  expiresAt: z.string(),
});
export type DevTokenResponse = z.infer<typeof DevTokenResponse>;

/** Hosts `wrangler dev` serves on; a deployed Worker is only reached under its own domain. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Sign-in for the live page during local development: anyone may become anyone, so the route
 * answers only when ENVIRONMENT is "development" and is a plain 404 everywhere else. As a
 * second guard, it also needs a loopback host: a deployment that forgot to change
 * ENVIRONMENT (wrangler.toml ships "development") still hands out no tokens. It is left out
 * of /openapi.json on purpose: it is not part of the API a deployment offers. The fault
 * switches below use the same guard.
 */
function requireLocalDevelopment(c: Context<AppBindings>): void {
  if (c.env.ENVIRONMENT !== "development" || !LOOPBACK_HOSTS.has(new URL(c.req.url).hostname)) {
    throw new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
  }
}

async function jsonBody(c: Context<AppBindings>): Promise<unknown> {
  return c.req.json().catch(() => {
    throw new ApiError(400, "invalid_json", "body is not JSON");
  });
}

export const devRoutes = new Hono<AppBindings>()
  .post("/v1/dev/token", async (c) => {
    requireLocalDevelopment(c);
    const raw = await jsonBody(c);
    const parsed = DevTokenBody.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, "body");
    const { userId } = parsed.data;
    const name = displayName(parsed.data.name, userId);
    const now = Math.floor(Date.now() / 1000);
    const exp = now + DEV_TOKEN_TTL_SECONDS;
    const token = await sign({ sub: userId, name, iat: now, exp }, c.env.AUTH_SECRET, "HS256");
    return c.json({ token, userId, name, expiresAt: new Date(exp * 1000).toISOString() } satisfies DevTokenResponse, 200);
  })
  // Fault switches for the reliability tests (workers/dev-faults.ts, docs/reliability.md); same guards.
  .get("/v1/dev/faults", (c) => {
    requireLocalDevelopment(c);
    return c.json(devFaultsReport(), 200);
  })
  .post("/v1/dev/faults", async (c) => {
    requireLocalDevelopment(c);
    const parsed = DevFaultsBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw validationError(parsed.error, "body");
    setEventsConsumerFault(parsed.data.eventsConsumerFailForMs);
    return c.json(devFaultsReport(), 200);
  });
