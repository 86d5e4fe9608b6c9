import { hmacSha256Key } from "./hmac-keys";

/**
 * A keyed hash of a user id. A deletion receipt keeps this instead of the id once the
 * deletion completed: it lets the owner read the receipt and lets the queue consumers
 * recognise late deliveries of the forgotten user's events, without keeping the id itself.
 * Keyed with AUTH_SECRET (domain-separated) so nobody without it can test guesses.
 */
export async function subjectKey(secret: string, userId: string): Promise<string> {
  const key = await hmacSha256Key(secret, "sign");
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`deleted-subject:${userId}`));
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function subjectKeys(secret: string, userIds: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(userIds)];
  const keys = await Promise.all(unique.map((userId) => subjectKey(secret, userId)));
  return new Map(unique.map((userId, i) => [userId, keys[i]!]));
}
