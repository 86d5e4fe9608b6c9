// Runs one reconciliation on a running dev server (`npm run dev`) and prints its report:
// `npm run reconcile [-- --url http://127.0.0.1:8787]`. It calls POST /v1/admin/reconcile
// with a short-lived admin token signed with the local AUTH_SECRET, so it works offline.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { sign } from "hono/jwt";

const { values } = parseArgs({ options: { url: { type: "string", default: process.env.RECONCILE_URL ?? "http://127.0.0.1:8787" } } });
const file = existsSync(".dev.vars") ? ".dev.vars" : ".dev.vars.example";
const secret = process.env.AUTH_SECRET ?? /^AUTH_SECRET=(.*)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
if (!secret) {
  console.error(`no AUTH_SECRET in the environment or ${file}`);
  process.exit(2);
}
const now = Math.floor(Date.now() / 1000);
const token = await sign({ sub: "reconcile-script", iat: now, exp: now + 300, roles: ["admin"] }, secret, "HS256");
let res;
try {
  res = await fetch(new URL("/v1/admin/reconcile", values.url), { method: "POST", headers: { authorization: `Bearer ${token}` } });
} catch (error) {
  console.error(`cannot reach ${values.url} (is \`npm run dev\` running?): ${error.message}`);
  process.exit(1);
}
const body = await res.text();
console.log(body);
if (!res.ok) process.exit(1);
