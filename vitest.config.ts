import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export const TEST_AUTH_SECRET = "test-secret-for-workerd-tests-only";
export const TEST_LIVE_TICKET_SECRET = "test-ticket-secret-for-workerd-tests-only";
export const TEST_SUBJECT_KEY_SECRET = "test-subject-key-secret-for-workerd-tests-only";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // A small comment window so tests reach the D1 archive with a few hundred comments.
          // Two other sites' pages may call the API (test/workerd/cors.test.ts).
          bindings: {
            AUTH_SECRET: TEST_AUTH_SECRET,
            LIVE_TICKET_SECRET: TEST_LIVE_TICKET_SECRET,
            SUBJECT_KEY_SECRET: TEST_SUBJECT_KEY_SECRET,
            TEST_MIGRATIONS: migrations,
            COMMENT_RETENTION: "100",
            CORS_ORIGINS: "https://site.example, https://allowed.example",
          },
          // A real D1 database without our tables: queries fail as they would during a D1 fault.
          d1Databases: ["UNMIGRATED_DB"],
        },
      }),
    ],
    test: {
      include: ["test/workerd/**/*.test.ts"],
      // These machines are noisy and several tests wait for alarms, queues and D1 on purpose;
      // a test's own waits bound it, the default only catches a hang.
      testTimeout: 30_000,
      setupFiles: ["./test/workerd/apply-migrations.ts", "./test/workerd/drain-rooms.ts"],
      // obscenity's ESM entry re-exports its CommonJS build by default import, which the
      // workers pool loads as undefined; pre-bundling turns it into plain ESM (wrangler's
      // esbuild bundle handles it already).
      deps: { optimizer: { ssr: { enabled: true, include: ["obscenity"] } } },
    },
  };
});
