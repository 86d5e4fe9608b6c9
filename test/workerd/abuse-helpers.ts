import { sign } from "hono/jwt";
import { TEST_AUTH_SECRET, tokenFor } from "./helpers";

function base64url(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function hmac(algorithm: "SHA-256" | "SHA-512", secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: algorithm }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)));
  return btoa(String.fromCharCode(...signature)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A token with any header and payload, signed with HMAC over our real secret. */
async function signedWith(header: Record<string, unknown>, payload: Record<string, unknown>, hash: "SHA-256" | "SHA-512" = "SHA-256") {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  return `${unsigned}.${await hmac(hash, TEST_AUTH_SECRET, unsigned)}`;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Authorization headers an attacker could send for `victim`: none, forged, tampered, expired,
 * another algorithm, or claims our schema refuses. None of them may act as anyone.
 */
export async function forgedAuthorizations(victim: string): Promise<[name: string, header: string | null][]> {
  const valid = await tokenFor(victim);
  const [header, payload, signature] = valid.split(".") as [string, string, string];
  const live = { sub: victim, iat: now(), exp: now() + 3600 };
  const other = await tokenFor(`${victim}-other`);
  return [
    ["no Authorization header", null],
    ["an empty bearer", "Bearer "],
    ["a Basic credential", `Basic ${btoa(`${victim}:password`)}`],
    ["the token without the Bearer scheme", valid],
    ["two tokens in one header", `Bearer ${valid}, Bearer ${other}`],
    ["a token signed with another secret", `Bearer ${await tokenFor(victim, { secret: "not-the-secret" })}`],
    ["an expired token", `Bearer ${await tokenFor(victim, { ttlSeconds: -60 })}`],
    ["a token without exp", `Bearer ${await sign({ sub: victim, iat: now() }, TEST_AUTH_SECRET, "HS256")}`],
    ["a token not valid before next hour", `Bearer ${await signedWith({ alg: "HS256", typ: "JWT" }, { ...live, nbf: now() + 3600 })}`],
    ["a token issued in the future", `Bearer ${await signedWith({ alg: "HS256", typ: "JWT" }, { ...live, iat: now() + 3600 })}`],
    ["alg none", `Bearer ${base64url({ alg: "none", typ: "JWT" })}.${base64url(live)}.`],
    ["alg None with the real signature", `Bearer ${base64url({ alg: "None", typ: "JWT" })}.${payload}.${signature}`],
    ["HS512 signed with the real secret", `Bearer ${await signedWith({ alg: "HS512", typ: "JWT" }, live, "SHA-512")}`],
    ["RS256 header over an HMAC of the secret", `Bearer ${await signedWith({ alg: "RS256", typ: "JWT" }, live)}`],
    ["the signature stripped", `Bearer ${header}.${payload}.`],
    ["the payload edited to admin", `Bearer ${header}.${base64url({ ...live, roles: ["admin"] })}.${signature}`],
    ["the signature of another user's token", `Bearer ${header}.${payload}.${other.split(".")[2]}`],
    ["an empty sub", `Bearer ${await sign({ sub: "", exp: now() + 3600 }, TEST_AUTH_SECRET, "HS256")}`],
    ["a numeric sub", `Bearer ${await signedWith({ alg: "HS256", typ: "JWT" }, { sub: 42, exp: now() + 3600 })}`],
    ["a sub of 129 characters", `Bearer ${await sign({ sub: "x".repeat(129), exp: now() + 3600 }, TEST_AUTH_SECRET, "HS256")}`],
    ["exp as a string", `Bearer ${await signedWith({ alg: "HS256", typ: "JWT" }, { sub: victim, exp: String(now() + 3600) })}`],
    ["a 6 KB garbage token", `Bearer ${"a".repeat(3000)}.${"b".repeat(3000)}.c`],
  ];
}
