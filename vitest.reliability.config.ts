import { defineConfig } from "vitest/config";

/**
 * Node-side reliability tests (crash, queue faults, soak): each file starts its own
 * `wrangler dev` through scripts/dev-server.ts. Run by scripts/test-reliability.sh.
 */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    environment: "node",
    // One wrangler dev at a time: files in parallel would measure each other on 2 cores.
    fileParallelism: false,
    // Each test bounds its own phases; these only catch a hang (the --long soak runs 10 min).
    testTimeout: 15 * 60_000,
    hookTimeout: 180_000,
  },
});
