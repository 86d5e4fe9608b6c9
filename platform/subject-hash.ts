import type { AppEnv } from "./env";
import { hmacSha256Key } from "./hmac-keys";

/**
 * SUBJECT_KEY_SECRET when it is usable: its own secret of 16 characters or more, not
 * AUTH_SECRET (which signs tokens and may be rotated with the identity setup). Null otherwise.
 */
export function usableSubjectSecret(env: Pick<AppEnv, "SUBJECT_KEY_SECRET" | "AUTH_SECRET">): string | null {
  const secret = env.SUBJECT_KEY_SECRET;
  return secret === undefined || secret.length < 16 || secret === env.AUTH_SECRET ? null : secret;
}

/**
 * A keyed hash of a user id for one purpose (`domain`): HMAC-SHA-256 under SUBJECT_KEY_SECRET,
 * hex. Without the secret nobody can test guesses of ids against it; different domains give
 * unrelated hashes of the same user.
 */
export async function keyedSubject(secret: string, domain: string, userId: string): Promise<string> {
  const key = await hmacSha256Key(secret, "sign");
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${domain}:${userId}`));
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
