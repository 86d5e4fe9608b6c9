import { createMiddleware } from "hono/factory";
import { verify } from "hono/jwt";
import { z } from "zod";
import { UserId } from "../protocol/target";
import { ADMIN_ROLE, memberRole, type Actor } from "../protocol/moderation";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";
import { hmacSha256Key } from "./hmac-keys";

/** The claims we rely on; `exp` is required so no token lives forever. */
export const TokenClaims = z.object({
  sub: UserId,
  exp: z.number().int(),
  name: z.string().max(64).optional(),
  roles: z.array(z.string().max(128)).max(64).optional(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

export interface AuthVariables {
  user: TokenClaims;
}

/**
 * Verifies an HS256 token. Hono's verify pins the algorithm, so `alg: none` and asymmetric
 * algorithm-confusion tokens are refused before any claim is read.
 */
export async function verifyToken(token: string, secret: string): Promise<TokenClaims> {
  let payload: unknown;
  try {
    // The key is HMAC-SHA-256, matching the pinned HS256; verify still refuses any other alg.
    payload = await verify(token, await hmacSha256Key(secret, "verify"), { alg: "HS256", exp: true, nbf: true, iat: true });
  } catch (error) {
    const expired = error instanceof Error && error.name === "JwtTokenExpired";
    throw new ApiError(401, "unauthorized", expired ? "token expired" : "invalid token");
  }
  const claims = TokenClaims.safeParse(payload);
  if (!claims.success) throw new ApiError(401, "unauthorized", "token lacks sub or exp");
  return claims.data;
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/** Requires a valid token and exposes its claims as `c.var.user`. */
export const requireUser = createMiddleware<{ Bindings: AppEnv; Variables: AuthVariables }>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (token === null) throw new ApiError(401, "unauthorized", "missing bearer token", undefined, { "WWW-Authenticate": "Bearer" });
  c.set("user", await verifyToken(token, c.env.AUTH_SECRET));
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
 * member role), so a token with many roles cannot bloat every RPC or socket attachment.
 */
export function actorOf(claims: TokenClaims, target: string): Actor {
  const relevant = new Set([ADMIN_ROLE, memberRole(target)]);
  return {
    userId: claims.sub,
    name: claims.name ?? claims.sub.slice(0, 64),
    roles: (claims.roles ?? []).filter((role) => relevant.has(role)),
  };
}
