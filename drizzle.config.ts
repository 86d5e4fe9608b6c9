import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./platform/db/schema.ts",
  out: "./migrations",
});
