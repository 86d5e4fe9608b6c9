// Signs development tokens with the local AUTH_SECRET (environment, else .dev.vars, else the example).
import { existsSync, readFileSync } from "node:fs";
import { sign } from "hono/jwt";

export function devSecret() {
  const file = existsSync(".dev.vars") ? ".dev.vars" : ".dev.vars.example";
  const secret = process.env.AUTH_SECRET ?? /^AUTH_SECRET=(.*)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
  if (!secret) {
    console.error(`no AUTH_SECRET in the environment or ${file}`);
    process.exit(2);
  }
  return secret;
}

export async function signDevToken(claims, ttlSeconds) {
  const now = Math.floor(Date.now() / 1000);
  return sign({ ...claims, iat: now, exp: now + ttlSeconds }, devSecret(), "HS256");
}
