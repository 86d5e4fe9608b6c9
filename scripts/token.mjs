// Prints a development JWT for a user: `npm run token -- alice [--roles admin,member:stream:x] [--ttl 3600]`.
import { parseArgs } from "node:util";
import { signDevToken } from "./dev-token.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { roles: { type: "string" }, ttl: { type: "string", default: "86400" }, name: { type: "string" } },
});
const userId = positionals[0];
if (!userId) {
  console.error("usage: npm run token -- <userId> [--roles admin,...] [--ttl seconds] [--name display]");
  process.exit(2);
}
const claims = { sub: userId };
if (values.name) claims.name = values.name;
if (values.roles) claims.roles = values.roles.split(",").filter(Boolean);
console.log(await signDevToken(claims, Number(values.ttl)));
