import { sign } from "hono/jwt";

export const E2E_AUTH_SECRET = "e2e-secret-for-the-local-dev-server-only";
/** The other site whose pages the e2e server lets in (CORS_ORIGINS, test/e2e/global-setup.ts). */
export const E2E_ALLOWED_ORIGIN = "https://site.example";

export async function e2eToken(userId: string, ttlSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + ttlSeconds }, E2E_AUTH_SECRET, "HS256");
}

export function uniqueTarget(): string {
  return `post:${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

export function uniqueUser(): string {
  return `e2e-${crypto.randomUUID().slice(0, 8)}`;
}

/** Polls until `check` holds; for values that arrive over a socket at their own pace. */
export async function eventually(check: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
