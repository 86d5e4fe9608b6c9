import { verify } from "hono/jwt";
import { z } from "zod";
import { displayName } from "../../protocol/display-name";
import { UserId } from "../../protocol/target";
import { normaliseText } from "../../protocol/text";
import { ApiError } from "../errors";
import { hmacSha256Key } from "../../platform/hmac-keys";

/**
 * A `sub` is shown beside look-alike names (docs/comments.md), so it must read as what it is:
 * no lone surrogates, no invisible or direction-changing characters, no edge whitespace.
 */
const Subject = UserId.refine((sub) => {
  const normalised = normaliseText(sub);
  return normalised.ok && normalised.visible && normalised.text === sub;
}, "sub has invisible, direction-changing or ill-formed characters");

/** A user may hold a role per room, so the list has no small cap; only strings make sense. */
const MAX_TOKEN_ROLES = 10_000;

/**
 * The claims we rely on; `exp` is required so no token lives forever. The issuer owns
 * `name` and `roles`, and odd values there are normalised rather than refused: a name that
 * is not a string, too long, blank or invisible becomes a clean one or the user id
 * (protocol/display-name.ts), and repeated roles count once. A claim that cannot be read
 * (a `sub` that is not a clean string, roles that are not strings) is a 401 that says which.
 */
export const TokenClaims = z
  .object({
    sub: Subject,
    exp: z.number().int(),
    name: z.unknown().optional(),
    roles: z.array(z.string(), "roles must be an array of strings").max(MAX_TOKEN_ROLES).optional(),
  })
  .transform((claims) => ({
    sub: claims.sub,
    exp: claims.exp,
    name: displayName(claims.name, claims.sub),
    roles: [...new Set(claims.roles ?? [])],
  }));
export type TokenClaims = z.output<typeof TokenClaims>;

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
  if (!claims.success) {
    // The first few are enough to name the claim; 5,000 bad roles must not make a 5,000-line message.
    const issues = claims.error.issues.slice(0, 3).map((issue) => `${issue.path.map(String).join(".") || "claims"}: ${issue.message}`);
    throw new ApiError(401, "unauthorized", `token claims unusable (${issues.join("; ")})`);
  }
  return claims.data;
}
