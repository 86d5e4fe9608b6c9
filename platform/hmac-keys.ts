/**
 * HMAC-SHA-256 keys imported once per isolate instead of once per call: `importKey` showed up
 * in every like request's profile (token verification) and in every queued event (subject
 * keys). Only resolved keys are kept, never a pending import: a promise started by one
 * request and awaited by another is cross-request I/O, which the runtime forbids.
 */
type KeyUsage = "sign" | "verify";

/** Keyed by usage and secret: AUTH_SECRET and LIVE_TICKET_SECRET are both in use at once. */
const imported = new Map<string, CryptoKey>();

export async function hmacSha256Key(secret: string, usage: KeyUsage): Promise<CryptoKey> {
  const id = `${usage}\u0000${secret}`;
  const known = imported.get(id);
  if (known !== undefined) return known;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
  // A rotated secret leaves its old key behind; a handful of secrets per isolate at most.
  imported.set(id, key);
  return key;
}
