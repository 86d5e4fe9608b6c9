import { createMiddleware } from "hono/factory";
import type { AuthVariables } from "./auth";
import type { AppEnv } from "../platform/env";
import { ApiError } from "./errors";

export const ADMIN_ROLE = "admin";

/** Runs after requireUser: only tokens with the `admin` role pass. */
export const requireAdmin = createMiddleware<{ Bindings: AppEnv; Variables: AuthVariables }>(async (c, next) => {
  if (!c.var.user.roles?.includes(ADMIN_ROLE)) throw new ApiError(403, "forbidden", `needs the "${ADMIN_ROLE}" role`);
  await next();
});
