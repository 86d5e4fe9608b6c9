import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { parseAuthConfig, type AuthConfigInput } from "../../workers/identity/providers";
import { subjectKeySecret } from "../../workers/subject-key";
import { ApiError } from "../../workers/errors";
import { tokenFor, uniqueTarget, uniqueUser } from "./helpers";

// AUTH_PROVIDERS and its neighbours (workers/identity/providers.ts, docs/identity.md). The
// tokens of real providers are proven against wrangler dev (test/e2e/identity-providers.test.ts).

const entry = (extra: Record<string, unknown> = {}) => ({
  issuer: "https://tenant.example/",
  jwksUrl: "https://tenant.example/.well-known/jwks.json",
  audience: "engagement",
  userPrefix: "tenant|",
  ...extra,
});
const base: AuthConfigInput = { ENVIRONMENT: "production", AUTH_SECRET: "a-secret-of-enough-length" };
const parse = (providers: unknown, more: AuthConfigInput = {}) => parseAuthConfig({ ...base, AUTH_PROVIDERS: providers, ...more });
const field = (providers: unknown, more: AuthConfigInput = {}) => {
  const result = parse(providers, more);
  return result.ok ? null : result.problem.field;
};

describe("AUTH_PROVIDERS", () => {
  it("reads a [vars] array and the same array as JSON text, with the documented defaults", () => {
    for (const raw of [[entry()], JSON.stringify([entry()])]) {
      const result = parse(raw);
      expect(result.ok && result.config.providers).toEqual([
        { ...entry(), audience: ["engagement"], algorithms: ["RS256"], nameClaim: "/name", rolesClaim: "/roles", trustedRoles: [] },
      ]);
    }
    expect(parse(undefined)).toMatchObject({ ok: true, config: { hs256: true, providers: [] } });
  });

  it("names the bad field of a bad entry", () => {
    expect(field("[{")).toBe("AUTH_PROVIDERS");
    expect(field({ issuer: "x" })).toBe("AUTH_PROVIDERS");
    expect(field([entry({ audience: undefined })])).toBe("AUTH_PROVIDERS[0].audience");
    expect(field([entry({ audience: [] })])).toBe("AUTH_PROVIDERS[0].audience");
    expect(field([entry({ jwksUrl: "not a url" })])).toBe("AUTH_PROVIDERS[0].jwksUrl");
    expect(field([entry({ jwksUrl: "http://tenant.example/jwks" })])).toBe("AUTH_PROVIDERS[0].jwksUrl");
    expect(field([entry({ algorithms: ["HS256"] })])).toBe("AUTH_PROVIDERS[0].algorithms[0]");
    expect(field([entry({ nameClaim: "name" })])).toBe("AUTH_PROVIDERS[0].nameClaim");
    expect(field([entry({ rolesClaim: "/a/~2" })])).toBe("AUTH_PROVIDERS[0].rolesClaim");
    expect(field([entry({ trustedRoles: ["moderator"] })])).toBe("AUTH_PROVIDERS[0].trustedRoles[0]");
    expect(field([entry({ audiences: "typo" })])).toBe("AUTH_PROVIDERS[0]");
    expect(field([entry()], { AUTH_HS256: "yes" })).toBe("AUTH_HS256");
    expect(field([entry()], { AUTH_SECRET: undefined })).toBe("AUTH_SECRET");
    expect(field([entry()], { AUTH_JWKS_TIMINGS: '{"freshMs":1000}' })).toBe("AUTH_JWKS_TIMINGS");
    expect(field([entry()], { ENVIRONMENT: "development", AUTH_JWKS_TIMINGS: '{"freshMs":-1}' })).toBe("AUTH_JWKS_TIMINGS.freshMs");
  });

  it("accepts an authorized party instead of an audience, and http only for a loopback provider in development", () => {
    expect(field([entry({ audience: undefined, authorizedParties: ["https://site.example"] })])).toBeNull();
    const loopback = entry({ jwksUrl: "http://127.0.0.1:9999/.well-known/jwks.json" });
    expect(field([loopback])).toBe("AUTH_PROVIDERS[0].jwksUrl");
    expect(field([loopback], { ENVIRONMENT: "development" })).toBeNull();
  });

  it("keeps user ids apart: unique issuers, prefixes required beside another source, none a prefix of another", () => {
    const second = (extra: Record<string, unknown>) => entry({ issuer: "https://other.example/", jwksUrl: "https://other.example/jwks", ...extra });
    expect(field([entry(), second({ userPrefix: "other|" })])).toBeNull();
    expect(field([entry(), second({ userPrefix: "tenant|" })])).toBe("AUTH_PROVIDERS[1].userPrefix");
    expect(field([entry(), second({ userPrefix: "ten" })])).toBe("AUTH_PROVIDERS[1].userPrefix");
    expect(field([entry({ userPrefix: "a" }), second({ userPrefix: "ab" })])).toBe("AUTH_PROVIDERS[1].userPrefix");
    expect(field([entry(), entry({ userPrefix: "x|" })])).toBe("AUTH_PROVIDERS[1].issuer");
    // HS256 users have the empty prefix, so a provider beside it needs one.
    expect(field([entry({ userPrefix: undefined })])).toBe("AUTH_PROVIDERS[0].userPrefix");
    expect(field([entry({ userPrefix: undefined })], { AUTH_HS256: "off" })).toBeNull();
    expect(field([entry({ userPrefix: "has space" })])).toBe("AUTH_PROVIDERS[0].userPrefix");
  });
});

async function likeWith(extraEnv: Record<string, unknown>, authorization: string | null): Promise<Response> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== null) headers.authorization = authorization;
  const request = new Request("https://engagement.test/v1/likes", { method: "POST", headers, body: JSON.stringify({ target: uniqueTarget(), action: "like" }) });
  const res = await worker.fetch(request, { ...env, ...extraEnv }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("sign-in with a bad configuration", () => {
  it("answers 503 auth_misconfigured naming the field, never a 500, while reads go on", async () => {
    const token = `Bearer ${await tokenFor(uniqueUser())}`;
    const res = await likeWith({ AUTH_PROVIDERS: JSON.stringify([entry({ audience: undefined })]) }, token);
    expect(res.status).toBe(503);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("auth_misconfigured");
    expect(body.error.message).toContain("AUTH_PROVIDERS[0].audience");
    const ctx = createExecutionContext();
    const read = await worker.fetch(new Request(`https://engagement.test/v1/targets/${uniqueTarget()}/stats`), { ...env, AUTH_PROVIDERS: "[{" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(read.status).toBe(200);
  });

  it("switches HS256 tokens off with AUTH_HS256=off", async () => {
    const token = `Bearer ${await tokenFor(uniqueUser())}`;
    expect((await likeWith({ AUTH_HS256: "off" }, token)).status).toBe(401);
    expect((await likeWith({ AUTH_HS256: "on" }, token)).status).toBe(200);
  });
});

describe("SUBJECT_KEY_SECRET", () => {
  it("is a key of its own: missing, short or equal to AUTH_SECRET is refused, never AUTH_SECRET instead", () => {
    for (const keys of [{ AUTH_SECRET: "a-secret-of-enough-length" }, { AUTH_SECRET: "a-secret-of-enough-length", SUBJECT_KEY_SECRET: "short" }, { AUTH_SECRET: "a-secret-of-enough-length", SUBJECT_KEY_SECRET: "a-secret-of-enough-length" }]) {
      expect(() => subjectKeySecret(keys)).toThrow(ApiError);
    }
    expect(subjectKeySecret({ AUTH_SECRET: "a-secret-of-enough-length", SUBJECT_KEY_SECRET: "another-secret-of-enough-length" })).toBe("another-secret-of-enough-length");
  });
});
