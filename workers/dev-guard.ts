import { createMiddleware } from "hono/factory";
import type { AppBindings } from "./app-types";
import { ApiError } from "./errors";

/** Hosts `wrangler dev` serves on; a deployed Worker is only reached under its own domain. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Every development-only route lives under this prefix, so one guard covers all of them. */
export const DEV_ROUTES_PREFIX = "/v1/dev/";

/**
 * The one guard of `/v1/dev/*`: it answers only when ENVIRONMENT is "development" AND the
 * request came to a loopback host, and is a plain 404 everywhere else. Two conditions
 * because wrangler.toml ships ENVIRONMENT = "development": a deployment that forgot to
 * change it must still hand out no tokens, flip no faults and run no benchmarks.
 */
export const requireLocalDevelopment = createMiddleware<AppBindings>(async (c, next) => {
  if (c.env.ENVIRONMENT !== "development" || !LOOPBACK_HOSTS.has(new URL(c.req.url).hostname)) {
    throw new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
  }
  await next();
});
