import type { TestProject } from "vitest/node";
import { startDevServer } from "../../scripts/dev-server";

declare module "vitest" {
  export interface ProvidedContext {
    pageUrl: string;
  }
}

/** A secret for this run only: the page signs in through /v1/dev/token, which uses it. */
const BROWSER_AUTH_SECRET = `browser-tests-${crypto.randomUUID()}`;

export default async function setup(project: TestProject) {
  // startDevServer builds client/web first: the page under test is the page in the repository.
  const server = await startDevServer({ authSecret: BROWSER_AUTH_SECRET });
  project.provide("pageUrl", server.url);
  return () => server.stop();
}
