import { createMiddleware } from "hono/factory";
import { ADMIN_ROLE, memberRole, type Actor } from "../protocol/moderation";
import type { AppEnv } from "../platform/env";
import { ApiError } from "./errors";
import type { TokenClaims } from "./identity/claims";
import { verifyBearer } from "./identity/verify";

export { TokenClaims, verifyToken } from "./identity/claims";

export interface AuthVariables {
  user: TokenClaims;
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/** Requires a valid token and exposes its claims as `c.var.user`. */
export const requireUser = createMiddleware<{ Bindings: AppEnv; Variables: AuthVariables }>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (token === null) throw new ApiError(401, "unauthorized", "missing bearer token", undefined, { "WWW-Authenticate": "Bearer" });
  c.set("user", await verifyBearer(token, c.env));
  await next();
});

/** The request body may name a user only to agree with the token; it never chooses identity. */
export function assertBodyUserMatches(bodyUserId: string | undefined, tokenUserId: string): void {
  if (bodyUserId !== undefined && bodyUserId !== tokenUserId) {
    throw new ApiError(403, "forbidden", "user_id does not match the token's subject");
  }
}

/**
 * The caller as a room sees it. Only roles that matter for `target` travel (admin and its
 * member role, each once), so a token with many roles cannot bloat every RPC or socket
 * attachment, nor overflow the room's limit of four and be read there as no identity.
 */
export function actorOf(claims: TokenClaims, target: string): Actor {
  return {
    userId: claims.sub,
    name: claims.name,
    roles: [ADMIN_ROLE, memberRole(target)].filter((role) => claims.roles.includes(role)),
  };
}
