import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider";
import { uniqueTarget } from "./secret";

// The JWKS cache's second layer (workers/identity/jwks-cache.ts): isolate memory goes with the
// isolate, the Cache API stays (per data centre). A restarted runtime, a new isolate, must find
// the provider's keys there and keep signing users in while the provider is down, without
// fetching the JWKS again. Restarting wrangler dev on the same state folder gives exactly that:
// a new isolate over the same local cache.

const AUTH_SECRET = "identity-cache-restart-secret-for-the-local-dev-server";

let provider: TestIdentityProvider;
let persistTo: string;
let server: DevServer | undefined;

async function start(): Promise<DevServer> {
  return startDevServer({ authSecret: AUTH_SECRET, persistTo, vars: { AUTH_PROVIDERS: JSON.stringify([provider.config({ userPrefix: "site|" })]) } });
}

async function like(token: string): Promise<number> {
  const res = await fetch(`${server!.url}/v1/likes`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ target: uniqueTarget(), action: "like" }),
  });
  await res.body?.cancel();
  return res.status;
}

beforeAll(async () => {
  provider = await startIdentityProvider({ audience: "engagement-site" });
  persistTo = await mkdtemp(join(tmpdir(), "engagement-jwks-restart-"));
});

afterAll(async () => {
  await server?.stop();
  await provider?.close();
  await rm(persistTo, { recursive: true, force: true });
});

describe("the JWKS cache across isolates", () => {
  it("signs users in after a runtime restart from the Cache API while the provider is down", { timeout: 240_000 }, async () => {
    server = await start();
    expect(await like(await provider.sign({ sub: "before-restart" }))).toBe(200);
    const fetchesBefore = provider.jwksRequests();
    expect(fetchesBefore).toBe(1);
    await server.stop();

    provider.setMode({ state: "down" });
    server = await start();
    // A new isolate: nothing in memory. Only the Cache API can answer, and the provider is down.
    expect(await like(await provider.sign({ sub: "after-restart" }))).toBe(200);
    expect(provider.jwksRequests()).toBe(fetchesBefore);
  });
});
