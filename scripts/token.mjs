// Prints a development JWT for a user: `npm run token -- alice [--roles admin,member:stream:x] [--ttl 3600]`.
import { readFileSync, existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { sign } from "hono/jwt";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { roles: { type: "string" }, ttl: { type: "string", default: "86400" }, name: { type: "string" } },
});
const userId = positionals[0];
if (!userId) {
  console.error("usage: npm run token -- <userId> [--roles admin,...] [--ttl seconds] [--name display]");
  process.exit(2);
}
const file = existsSync(".dev.vars") ? ".dev.vars" : ".dev.vars.example";
const secret = process.env.AUTH_SECRET ?? /^AUTH_SECRET=(.*)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
if (!secret) {
  console.error(`no AUTH_SECRET in the environment or ${file}`);
  process.exit(2);
}
const now = Math.floor(Date.now() / 1000);
const payload = { sub: userId, iat: now, exp: now + Number(values.ttl) };
if (values.name) payload.name = values.name;
if (values.roles) payload.roles = values.roles.split(",").filter(Boolean);
console.log(await sign(payload, secret, "HS256"));
