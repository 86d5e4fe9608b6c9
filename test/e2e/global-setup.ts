import type { TestProject } from "vitest/node";
import { startDevServer } from "../../scripts/dev-server";
import { E2E_AUTH_SECRET } from "./secret";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startDevServer({ authSecret: E2E_AUTH_SECRET });
  project.provide("baseUrl", server.url);
  return () => server.stop();
}
