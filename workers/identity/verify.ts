import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { ADMIN_ROLE } from "../../protocol/moderation";
import { TokenClaims, verifyToken } from "./claims";
import { ApiError } from "../errors";
import { JwksUnavailable, providerKeys } from "./jwks-cache";
import { authConfig, prefixedUserId, TRUSTABLE_ROLES, type AuthConfig, type AuthConfigInput, type IdentityProvider } from "./providers";

/** Clocks of providers and data centres differ a little; exp and nbf allow this much. */
export const CLOCK_LEEWAY_SECONDS = 30;

const unauthorized = (message: string) => new ApiError(401, "unauthorized", message);

/** The configuration, or the 503 that names its bad field (never a throw at module scope). */
export function requireAuthConfig(env: AuthConfigInput): AuthConfig {
  const result = authConfig(env);
  if (!result.ok) throw new ApiError(503, "auth_misconfigured", `sign-in is misconfigured: ${result.problem.field} ${result.problem.message}`, { field: result.problem.field });
  return result.config;
}

/**
 * Verifies a bearer token from any configured source. `iss` selects the provider, and a token
 * naming a provider is checked by that provider only: an HS256 token that claims a provider's
 * issuer is refused, whatever key signed it. Tokens naming no provider are HS256 tokens of
 * our own (AUTH_SECRET), when AUTH_HS256 is on.
 */
export async function verifyBearer(token: string, env: AuthConfigInput): Promise<TokenClaims> {
  const config = requireAuthConfig(env);
  let alg: unknown;
  let payload: JWTPayload;
  try {
    alg = decodeProtectedHeader(token).alg;
    payload = decodeJwt(token);
  } catch {
    throw unauthorized("invalid token");
  }
  const provider = typeof payload.iss === "string" ? config.providers.find((p) => p.issuer === payload.iss) : undefined;
  if (provider !== undefined) return verifyWithProvider(token, alg, provider, config);
  if (config.hs256 && alg === "HS256") {
    const claims = await verifyToken(token, env.AUTH_SECRET ?? "");
    // A sub that starts like a provider's users would be one of them.
    if (config.providers.some((p) => p.userPrefix !== "" && claims.sub.startsWith(p.userPrefix))) {
      throw unauthorized("sub starts with an identity provider's user prefix");
    }
    return claims;
  }
  throw unauthorized(typeof payload.iss === "string" ? "unknown issuer" : "invalid token");
}

async function verifyWithProvider(token: string, alg: unknown, provider: IdentityProvider, config: AuthConfig): Promise<TokenClaims> {
  if (typeof alg !== "string" || !provider.algorithms.some((allowed) => allowed === alg)) throw unauthorized("alg not allowed for this issuer");
  let payload: JWTPayload;
  try {
    payload = await verifyWithKeys(token, provider, await keysOf(provider, config, false));
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw refusal(error);
    // A key the cached set lacks: the provider may have rotated since it was fetched.
    try {
      payload = await verifyWithKeys(token, provider, await keysOf(provider, config, true));
    } catch (retryError) {
      throw refusal(retryError);
    }
  }
  return claimsOf(payload, provider);
}

async function keysOf(provider: IdentityProvider, config: AuthConfig, unknownKid: boolean): Promise<JSONWebKeySet> {
  try {
    return await providerKeys(provider.jwksUrl, config.jwks, unknownKid);
  } catch (error) {
    if (error instanceof JwksUnavailable) {
      // 503, not 401: a client told "unauthorized" would sign its user out.
      throw new ApiError(503, "auth_unavailable", "the identity provider's keys cannot be fetched; try again", undefined, { "Retry-After": String(error.retryAfterSeconds) });
    }
    throw error;
  }
}

async function verifyWithKeys(token: string, provider: IdentityProvider, jwks: JSONWebKeySet): Promise<JWTPayload> {
  // The local set picks the key by kid and refuses one whose type does not fit alg.
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: provider.issuer,
    ...(provider.audience === undefined ? {} : { audience: provider.audience }),
    algorithms: provider.algorithms,
    clockTolerance: CLOCK_LEEWAY_SECONDS,
    requiredClaims: ["sub", "exp"],
  });
  if (provider.authorizedParties !== undefined && (typeof payload.azp !== "string" || !provider.authorizedParties.includes(payload.azp))) {
    throw unauthorized("azp is not an authorized party");
  }
  return payload;
}

function refusal(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof errors.JWTExpired) return unauthorized("token expired");
  if (error instanceof errors.JWKSNoMatchingKey) return unauthorized("unknown signing key");
  if (error instanceof errors.JWTClaimValidationFailed) return unauthorized(`token claim ${error.claim} refused (${error.reason})`);
  return unauthorized("invalid token");
}

/** RFC 6901, over a verified payload. */
function pointer(payload: unknown, path: string): unknown {
  let at = payload;
  for (const raw of path.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * The provider's claims as ours: its prefix before `sub`, its name and roles read where it
 * keeps them, and `admin` and `owner` dropped unless it is trusted with them, so a role inside
 * the site's identity system does not silently become admin of every room.
 */
function claimsOf(payload: JWTPayload, provider: IdentityProvider): TokenClaims {
  const sub = typeof payload.sub === "string" ? prefixedUserId(provider.userPrefix, payload.sub) : null;
  if (sub === null) throw unauthorized("sub with the provider's user prefix is longer than 128 characters");
  const rawRoles = pointer(payload, provider.rolesClaim);
  const roles = (typeof rawRoles === "string" ? [rawRoles] : Array.isArray(rawRoles) ? rawRoles : []).filter(
    (role): role is string => typeof role === "string" && (!TRUSTABLE_ROLES.some((r) => r === role) || provider.trustedRoles.some((r) => r === role)),
  );
  const claims = TokenClaims.safeParse({ sub, exp: payload.exp, name: pointer(payload, provider.nameClaim), roles });
  if (!claims.success) {
    const issues = claims.error.issues.slice(0, 3).map((issue) => `${issue.path.map(String).join(".") || "claims"}: ${issue.message}`);
    throw unauthorized(`token claims unusable (${issues.join("; ")})`);
  }
  return claims.data;
}

export const OWNER_ROLE = "owner";

/**
 * With providers configured, any user of the site could otherwise claim the site's future
 * article targets by registering them first; only a trusted `owner` (or an admin) may.
 */
export function mayRegisterTargets(env: AuthConfigInput, claims: TokenClaims): boolean {
  const config = requireAuthConfig(env);
  return config.providers.length === 0 || claims.roles.includes(OWNER_ROLE) || claims.roles.includes(ADMIN_ROLE);
}
