// Parses the vars in wrangler.toml that the Worker only reads per request (a bad value there
// answers 503 instead of failing at module scope), so a bad value fails `npm run deploy:check`
// instead of the first cross-origin request after a deploy. Offline: wrangler reads the file.
//   tsx scripts/check-vars.mjs [wrangler.toml]
// Plain JavaScript run by tsx, like scripts/openapi.mjs: it imports the Worker's TypeScript.
import { experimental_readRawConfig } from "wrangler";
import { parseCorsOrigins } from "../workers/cors-origins";

/** Each var with the Worker's own parser: answers null when good, else what is wrong. */
const CHECKS = {
  CORS_ORIGINS: (value) => {
    if (typeof value !== "string") return "must be a string of comma-separated origins";
    const parsed = parseCorsOrigins(value);
    return parsed.ok ? null : parsed.message;
  },
};

const { rawConfig } = experimental_readRawConfig({ config: process.argv[2] ?? "wrangler.toml" });
const scopes = [["top level", rawConfig.vars ?? {}], ...Object.entries(rawConfig.env ?? {}).map(([name, env]) => [`env.${name}`, env.vars ?? {}])];
let failed = false;
for (const [scope, vars] of scopes) {
  for (const [name, check] of Object.entries(CHECKS)) {
    if (!(name in vars)) continue;
    const problem = check(vars[name]);
    if (problem !== null) {
      console.error(`deploy:check: ${scope} ${name}: ${problem}`);
      failed = true;
    }
  }
}
if (failed) process.exit(1);
