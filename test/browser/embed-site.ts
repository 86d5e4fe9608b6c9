import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { launchBrowser } from "./browser";
import { startEmbedHost, type EmbedHost } from "./embed-host";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider";

export const SCREENSHOTS = resolve(import.meta.dirname, "../../test-output/screenshots");

/** Another site for the embed: its identity provider, its host page origin, our Worker that allows both, a browser. */
export interface EmbedSite {
  readonly provider: TestIdentityProvider;
  readonly host: EmbedHost;
  readonly api: string;
  readonly browser: Browser;
  /** Follows a page: closed after the test, which fails on its CSP violations or page errors. */
  track(page: Page): Page;
}

/**
 * Registers the file's hooks for one such site: one Worker per file (its own AUTH_SECRET, the
 * host's origin in CORS_ORIGINS, the provider in AUTH_PROVIDERS), and after each test the check
 * that nothing the embed did broke the host's CSP (inline style, eval, a string to innerHTML).
 */
export function useEmbedSite(name: string, trustedRoles?: ("admin" | "owner")[]): EmbedSite {
  let provider: TestIdentityProvider | undefined;
  let host: EmbedHost | undefined;
  let server: DevServer | undefined;
  let browser: Browser | undefined;
  const pages: Page[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    provider = await startIdentityProvider({ audience: "embed-site" });
    host = await startEmbedHost(provider.tokenUrl);
    server = await startDevServer({
      authSecret: `${name}-${crypto.randomUUID()}`,
      vars: { CORS_ORIGINS: host.origin, AUTH_PROVIDERS: JSON.stringify([provider.config({ userPrefix: "site|", ...(trustedRoles === undefined ? {} : { trustedRoles }) })]) },
    });
    host.useApi(server.url);
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterEach(async () => {
    for (const page of pages.splice(0)) {
      expect(await page.evaluate(() => (globalThis as unknown as { violations: string[] }).violations)).toEqual([]);
      await page.context().close();
    }
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await host?.close();
    await provider?.close();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the embed site is not started (use it inside a test)");
    return value;
  };
  return {
    get provider() {
      return started(provider);
    },
    get host() {
      return started(host);
    },
    get api() {
      return started(server).url;
    },
    get browser() {
      return started(browser);
    },
    track(page) {
      pages.push(page);
      page.on("pageerror", (error) => pageErrors.push(error.message));
      return page;
    },
  };
}
