import type { TestProject } from "vitest/node";
import { startDevServer } from "../../scripts/dev-server";
import { startForeignPage } from "./foreign-page";

declare module "vitest" {
  export interface ProvidedContext {
    pageUrl: string;
    /** Another site's page, on an origin the Worker lists in CORS_ORIGINS (test/browser/cors.test.ts). */
    allowedPageOrigin: string;
  }
}

/** A secret for this run only: the page signs in through /v1/dev/token, which uses it. */
const BROWSER_AUTH_SECRET = `browser-tests-${crypto.randomUUID()}`;

export default async function setup(project: TestProject) {
  // Started first: the Worker must list its origin (its port) in CORS_ORIGINS.
  const allowedPage = await startForeignPage();
  // startDevServer builds client/web first: the page under test is the page in the repository.
  const server = await startDevServer({ authSecret: BROWSER_AUTH_SECRET, vars: { CORS_ORIGINS: allowedPage.origin } });
  project.provide("pageUrl", server.url);
  project.provide("allowedPageOrigin", allowedPage.origin);
  return async () => {
    await server.stop();
    await allowedPage.close();
  };
}
