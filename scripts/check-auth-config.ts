// Part of `npm run deploy:check`: parses production's sign-in vars (AUTH_HS256, AUTH_PROVIDERS,
// AUTH_JWKS_TIMINGS) with the Worker's own parser, so a bad provider entry fails here and not
// as a 503 on every sign-in after the release. Secrets are not readable offline: AUTH_SECRET
// stands in as present (its own check happens at request time).
import { unstable_readConfig } from "wrangler";
import { parseAuthConfig } from "../workers/identity/providers";

const environment = process.argv[2] ?? "production";
const vars: Record<string, unknown> = { ...unstable_readConfig({ config: "wrangler.toml", env: environment }).vars };
const result = parseAuthConfig({
  ENVIRONMENT: typeof vars.ENVIRONMENT === "string" ? vars.ENVIRONMENT : undefined,
  AUTH_SECRET: "a secret set with wrangler secret put",
  AUTH_HS256: vars.AUTH_HS256,
  AUTH_PROVIDERS: vars.AUTH_PROVIDERS,
  AUTH_JWKS_TIMINGS: vars.AUTH_JWKS_TIMINGS,
});
if (!result.ok) {
  console.error(`deploy:check: ${environment} sign-in is misconfigured: ${result.problem.field} ${result.problem.message}`);
  process.exit(1);
}
const { hs256, providers } = result.config;
console.log(`deploy:check: sign-in: HS256 ${hs256 ? "on" : "off"}, ${providers.length} identity provider(s)${providers.map((p) => ` ${p.issuer}`).join(",")}`);
