/**
 * HMAC-SHA-256 keys imported once per isolate instead of once per call: `importKey` showed up
 * in every like request's profile (token verification) and in every queued event (subject
 * keys). Only resolved keys are kept, never a pending import: a promise started by one
 * request and awaited by another is cross-request I/O, which the runtime forbids.
 */
type KeyUsage = "sign" | "verify";

const imported = new Map<KeyUsage, { secret: string; key: CryptoKey }>();

export async function hmacSha256Key(secret: string, usage: KeyUsage): Promise<CryptoKey> {
  const known = imported.get(usage);
  if (known !== undefined && known.secret === secret) return known.key;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
  imported.set(usage, { secret, key });
  return key;
}
