// Runs one reconciliation on a running dev server (`npm run dev`) and prints its report:
// `npm run reconcile [-- --url http://127.0.0.1:8787] [--targets post:a,post:b]` (without
// --targets: the next sample of recently active targets, as the cron does). It calls POST /v1/admin/reconcile
// with a short-lived admin token signed with the local AUTH_SECRET, so it works offline.
import { parseArgs } from "node:util";
import { signDevToken } from "./dev-token.mjs";

const { values } = parseArgs({
  options: { url: { type: "string", default: process.env.RECONCILE_URL ?? "http://127.0.0.1:8787" }, targets: { type: "string" } },
});
const targets = values.targets?.split(",").filter((target) => target.length > 0);
const token = await signDevToken({ sub: "reconcile-script", roles: ["admin"] }, 300);
let res;
try {
  res = await fetch(new URL("/v1/admin/reconcile", values.url), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...(targets === undefined ? {} : { "content-type": "application/json" }) },
    ...(targets === undefined ? {} : { body: JSON.stringify({ targets }) }),
  });
} catch (error) {
  console.error(`cannot reach ${values.url} (is \`npm run dev\` running?): ${error.message}`);
  process.exit(1);
}
const body = await res.text();
console.log(body);
if (!res.ok) process.exit(1);
