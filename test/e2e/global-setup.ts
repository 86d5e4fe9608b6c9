import type { TestProject } from "vitest/node";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDevServer } from "../../scripts/dev-server";
import { E2E_ALLOWED_ORIGIN, E2E_AUTH_SECRET } from "./secret";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** Everything wrangler printed, every console line of the Worker included (log level "log"). */
    devLogFile: string;
    /** The dev server's D1, Durable Object and trace storage on disk. */
    devStateDir: string;
  }
}

export default async function setup(project: TestProject) {
  const logDir = mkdtempSync(join(tmpdir(), "engagement-e2e-log-"));
  const devLogFile = join(logDir, "wrangler.log");
  const server = await startDevServer({
    authSecret: E2E_AUTH_SECRET,
    logLevel: "log",
    onOutput: (text) => appendFileSync(devLogFile, text),
    vars: { CORS_ORIGINS: E2E_ALLOWED_ORIGIN },
  });
  project.provide("baseUrl", server.url);
  project.provide("devLogFile", devLogFile);
  project.provide("devStateDir", server.persistTo);
  return async () => {
    await server.stop();
    rmSync(logDir, { recursive: true, force: true });
  };
}
