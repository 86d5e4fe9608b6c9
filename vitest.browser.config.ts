import { defineConfig } from "vitest/config";

/**
 * The live page in a real browser (Debian chromium through playwright-core) against a real
 * `wrangler dev` on loopback. One server and one browser for the run; files run one at a time
 * because two browsers and a workerd on a 2-core box would make timing assertions flaky.
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/browser/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
