import { defineConfig } from "vitest/config";

/** Node-side tests of the client SDK against a real `wrangler dev` on loopback. */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/e2e/global-setup.ts"],
    // Checks every HTTP answer against the published /openapi.json (test/e2e/contract-setup.ts).
    setupFiles: ["./test/e2e/contract-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
