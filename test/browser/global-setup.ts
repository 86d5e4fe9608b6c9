import type { TestProject } from "vitest/node";
import { startDevServer } from "../../scripts/dev-server";
import { startForeignPage } from "./foreign-page";
import { startIdentityProvider } from "../support/identity-provider";

declare module "vitest" {
  export interface ProvidedContext {
    pageUrl: string;
    /** Another site's page, on an origin the Worker lists in CORS_ORIGINS (test/browser/cors.test.ts). */
    allowedPageOrigin: string;
    /** The dev server's AUTH_SECRET, for tests that sign their own tokens as a site would. */
    authSecret: string;
    /** The site's own identity provider (a loopback one, in AUTH_PROVIDERS): POST `{sub}` here for a token. */
    identityProviderTokenUrl: string;
  }
}

/** A secret for this run only: the page signs in through /v1/dev/token, which uses it. */
const BROWSER_AUTH_SECRET = `browser-tests-${crypto.randomUUID()}`;

export default async function setup(project: TestProject) {
  // Started first: the Worker must list its origin (its port) in CORS_ORIGINS.
  const allowedPage = await startForeignPage();
  // startDevServer builds client/web first: the page under test is the page in the repository.
  // The other site signs its users in with its own provider (issue 18), not with our secret.
  const identityProvider = await startIdentityProvider({ audience: "browser-site" });
  const server = await startDevServer({
    authSecret: BROWSER_AUTH_SECRET,
    vars: { CORS_ORIGINS: allowedPage.origin, AUTH_PROVIDERS: JSON.stringify([identityProvider.config({ userPrefix: "site|" })]) },
  });
  project.provide("pageUrl", server.url);
  project.provide("allowedPageOrigin", allowedPage.origin);
  project.provide("authSecret", BROWSER_AUTH_SECRET);
  project.provide("identityProviderTokenUrl", identityProvider.tokenUrl);
  return async () => {
    await server.stop();
    await allowedPage.close();
    await identityProvider.close();
  };
}
