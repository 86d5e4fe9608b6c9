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

/*
 * Sign-in for the live page during local development: anyone may become anyone. Like every
 * `/v1/dev/*` route it sits behind workers/dev-guard.ts (development and loopback, 404
 * otherwise), mounted once in workers/app.ts. It is left out of /openapi.json on purpose: it
 * is not part of the API a deployment offers.
 */

async function jsonBody(c: Context<AppBindings>): Promise<unknown> {
  return c.req.json().catch(() => {
    throw new ApiError(400, "invalid_json", "body is not JSON");
  });
}

export const devRoutes = new Hono<AppBindings>()
  .post("/v1/dev/token", async (c) => {
    const raw = await jsonBody(c);
    const parsed = DevTokenBody.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, "body");
    const { userId } = parsed.data;
    const name = displayName(parsed.data.name, userId);
    const now = Math.floor(Date.now() / 1000);
    const exp = now + DEV_TOKEN_TTL_SECONDS;
    // Dev sign-in mints HS256 tokens, so it needs the built-in provider (docs/identity.md).
    if (c.env.AUTH_SECRET === undefined || c.env.AUTH_HS256 === "off") throw new ApiError(503, "auth_misconfigured", "dev sign-in needs AUTH_SECRET and AUTH_HS256 on");
    const token = await sign({ sub: userId, name, iat: now, exp }, c.env.AUTH_SECRET, "HS256");
    return c.json({ token, userId, name, expiresAt: new Date(exp * 1000).toISOString() } satisfies DevTokenResponse, 200);
  })
  // Fault switches for the reliability tests (workers/dev-faults.ts, docs/reliability.md).
  .get("/v1/dev/faults", (c) => {
    return c.json(devFaultsReport(), 200);
  })
  .post("/v1/dev/faults", async (c) => {
    const parsed = DevFaultsBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw validationError(parsed.error, "body");
    setEventsConsumerFault(parsed.data.eventsConsumerFailForMs);
    return c.json(devFaultsReport(), 200);
  });
