import { z } from "zod";
import { UserId } from "../../protocol/target";

/**
 * AUTH_PROVIDERS, AUTH_HS256 and AUTH_JWKS_TIMINGS, parsed (docs/identity.md). Pure: no
 * `cloudflare:*` import, so `npm run deploy:check` runs the same parser over wrangler.toml.
 * A bad value never throws at module scope; it becomes a `ConfigProblem` that names the
 * field, and the requests that need sign-in answer 503 with it.
 */

export const PROVIDER_ALGORITHMS = ["RS256", "ES256", "EdDSA", "PS256"] as const;
export const TRUSTABLE_ROLES = ["admin", "owner"] as const;
export type TrustableRole = (typeof TRUSTABLE_ROLES)[number];

/** JSON Pointer (RFC 6901): Keycloak and Supabase nest claims, Auth0 names contain dots. */
const JsonPointer = z.string().regex(/^(\/([^~/]|~[01])*)+$/, 'a JSON Pointer such as "/name" or "/app_metadata/roles"');

/** Short and plain, so an id reads as "prefix + sub" and no prefix hides inside another. */
const UserPrefix = z.string().regex(/^[A-Za-z0-9._:|-]{1,32}$/, "1-32 letters, digits or . _ : | -");

const OneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (typeof v === "string" ? [v] : v));

const ProviderEntry = z
  .strictObject({
    issuer: z.string().min(1).max(512),
    jwksUrl: z.url({ protocol: /^https?$/ }),
    audience: OneOrMany.optional(),
    authorizedParties: OneOrMany.optional(),
    algorithms: z.array(z.enum(PROVIDER_ALGORITHMS)).min(1).default(["RS256"]),
    userPrefix: UserPrefix.optional(),
    nameClaim: JsonPointer.default("/name"),
    rolesClaim: JsonPointer.default("/roles"),
    trustedRoles: z.array(z.enum(TRUSTABLE_ROLES)).default([]),
  })
  .superRefine((entry, ctx) => {
    // Without one, a token the provider issued for another application of the same tenant passes.
    if (entry.audience === undefined && entry.authorizedParties === undefined) {
      ctx.addIssue({ code: "custom", path: ["audience"], message: "an audience (or authorizedParties) is required" });
    }
  });

export interface IdentityProvider {
  issuer: string;
  jwksUrl: string;
  audience?: string[];
  authorizedParties?: string[];
  algorithms: (typeof PROVIDER_ALGORITHMS)[number][];
  userPrefix: string;
  nameClaim: string;
  rolesClaim: string;
  trustedRoles: TrustableRole[];
}

/** How long a JWKS document is trusted; AUTH_JWKS_TIMINGS may shorten them in development only. */
export interface JwksTimings {
  freshMs: number;
  staleMs: number;
  negativeMs: number;
  unknownKidRefreshMs: number;
  timeoutMs: number;
}

export const DEFAULT_JWKS_TIMINGS: JwksTimings = {
  freshMs: 10 * 60_000,
  staleMs: 24 * 3600_000,
  negativeMs: 30_000,
  unknownKidRefreshMs: 60_000,
  timeoutMs: 3_000,
};

const JwksTimingsOverride = z.strictObject({
  freshMs: z.number().int().min(0).optional(),
  staleMs: z.number().int().min(0).optional(),
  negativeMs: z.number().int().min(0).optional(),
  unknownKidRefreshMs: z.number().int().min(0).optional(),
  timeoutMs: z.number().int().min(1).max(30_000).optional(),
});

export interface AuthConfig {
  /** HS256 tokens signed with AUTH_SECRET: the built-in provider, user ids without a prefix. */
  hs256: boolean;
  providers: IdentityProvider[];
  jwks: JwksTimings;
}

export interface ConfigProblem {
  field: string;
  message: string;
}

export type AuthConfigResult = { ok: true; config: AuthConfig } | { ok: false; problem: ConfigProblem };

export interface AuthConfigInput {
  ENVIRONMENT?: string;
  AUTH_SECRET?: string;
  AUTH_HS256?: unknown;
  AUTH_PROVIDERS?: unknown;
  AUTH_JWKS_TIMINGS?: unknown;
}

const problem = (field: string, message: string): AuthConfigResult => ({ ok: false, problem: { field, message } });

function fieldOf(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, key) => (typeof key === "number" ? `${at}[${key}]` : `${at}.${String(key)}`), root);
}

/** A `[vars]` array arrives as an array, a `.dev.vars` or `--var` value as its JSON text. */
function jsonValue(raw: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof raw !== "string") return { ok: true, value: raw };
  if (raw.trim() === "") return { ok: true, value: [] };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

function isLoopback(url: URL): boolean {
  return url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
}

export function parseAuthConfig(env: AuthConfigInput): AuthConfigResult {
  const development = env.ENVIRONMENT === "development";

  const hs256Raw = env.AUTH_HS256 ?? "on";
  if (hs256Raw !== "on" && hs256Raw !== "off") return problem("AUTH_HS256", 'must be "on" or "off"');
  const hs256 = hs256Raw === "on";
  if (hs256 && (env.AUTH_SECRET === undefined || env.AUTH_SECRET.length < 16)) {
    return problem("AUTH_SECRET", 'HS256 sign-in is on (AUTH_HS256) but AUTH_SECRET is missing or shorter than 16 characters');
  }

  const providersJson = jsonValue(env.AUTH_PROVIDERS ?? []);
  if (!providersJson.ok) return problem("AUTH_PROVIDERS", "is not JSON");
  const entries = z.array(ProviderEntry).max(16, "at most 16 providers").safeParse(providersJson.value);
  if (!entries.success) {
    const issue = entries.error.issues[0]!;
    return problem(fieldOf("AUTH_PROVIDERS", issue.path), issue.message);
  }

  const providers: IdentityProvider[] = [];
  const soleSource = entries.data.length === 1 && !hs256;
  for (const [i, entry] of entries.data.entries()) {
    const at = `AUTH_PROVIDERS[${i}]`;
    const url = new URL(entry.jwksUrl);
    // Keys fetched over plain HTTP could be swapped on the way; only a local test provider may.
    if (url.protocol !== "https:" && !(development && isLoopback(url))) {
      return problem(`${at}.jwksUrl`, "must be https (http only for a loopback provider in development)");
    }
    if (entry.userPrefix === undefined && !soleSource) {
      return problem(`${at}.userPrefix`, "is required when HS256 or another provider also signs users in (two sources must never share a user id)");
    }
    const userPrefix = entry.userPrefix ?? "";
    for (const [j, other] of providers.entries()) {
      if (other.issuer === entry.issuer) return problem(`${at}.issuer`, `repeats AUTH_PROVIDERS[${j}].issuer`);
      if (userPrefix.startsWith(other.userPrefix) || other.userPrefix.startsWith(userPrefix)) {
        return problem(`${at}.userPrefix`, `"${userPrefix}" and AUTH_PROVIDERS[${j}].userPrefix "${other.userPrefix}": none may be a prefix of another`);
      }
    }
    providers.push({ ...entry, userPrefix });
  }

  let jwks = DEFAULT_JWKS_TIMINGS;
  if (env.AUTH_JWKS_TIMINGS !== undefined && env.AUTH_JWKS_TIMINGS !== "") {
    // Short cache times are for the tests' loopback provider; production keeps the defaults.
    if (!development) return problem("AUTH_JWKS_TIMINGS", "is for development only");
    const timingsJson = jsonValue(env.AUTH_JWKS_TIMINGS);
    const timings = timingsJson.ok ? JwksTimingsOverride.safeParse(timingsJson.value) : undefined;
    if (timings === undefined || !timings.success) {
      const issue = timings?.error.issues[0];
      return problem(issue === undefined ? "AUTH_JWKS_TIMINGS" : fieldOf("AUTH_JWKS_TIMINGS", issue.path), issue?.message ?? "is not JSON");
    }
    jwks = { ...DEFAULT_JWKS_TIMINGS, ...timings.data };
  }
  return { ok: true, config: { hs256, providers, jwks } };
}

/** Parsed once per distinct configuration (an isolate sees one, tests a few). */
const parsed = new Map<string, AuthConfigResult>();

export function authConfig(env: AuthConfigInput): AuthConfigResult {
  const id = JSON.stringify([env.ENVIRONMENT, env.AUTH_SECRET?.length ?? -1, env.AUTH_HS256, env.AUTH_PROVIDERS, env.AUTH_JWKS_TIMINGS]);
  let result = parsed.get(id);
  if (result === undefined) {
    result = parseAuthConfig(env);
    if (parsed.size > 16) parsed.clear();
    parsed.set(id, result);
  }
  return result;
}

/** The user id a provider's `sub` becomes, or null when prefix plus sub would pass the limit. */
export function prefixedUserId(prefix: string, sub: string): string | null {
  const id = prefix + sub;
  return UserId.safeParse(id).success ? id : null;
}
