import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export const TEST_AUTH_SECRET = "test-secret-for-workerd-tests-only";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { AUTH_SECRET: TEST_AUTH_SECRET, TEST_MIGRATIONS: migrations },
        },
      }),
    ],
    test: {
      include: ["test/workerd/**/*.test.ts"],
      setupFiles: ["./test/workerd/apply-migrations.ts"],
    },
  };
});
