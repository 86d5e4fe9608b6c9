import type { AppEnv } from "../platform/env";
import { ApiError } from "./errors";
import { keyedSubject, usableSubjectSecret } from "../platform/subject-hash";

/**
 * The key of subject hashes, its own secret: AUTH_SECRET signs tokens and may be switched off
 * or rotated with the identity setup, which must not make completed deletions unfindable.
 * Missing (or equal to AUTH_SECRET): a 503 for a route, a retry for a queue batch.
 */
export function subjectKeySecret(env: Pick<AppEnv, "SUBJECT_KEY_SECRET" | "AUTH_SECRET">): string {
  const secret = usableSubjectSecret(env);
  if (secret === null) {
    throw new ApiError(503, "subject_key_missing", "the server has no SUBJECT_KEY_SECRET of its own (16 characters or more, not AUTH_SECRET)");
  }
  return secret;
}

/**
 * A keyed hash of a user id. A deletion receipt keeps this instead of the id once the
 * deletion completed: it lets the owner read the receipt and lets the queue consumers
 * recognise late deliveries of the forgotten user's events, without keeping the id itself.
 * Keyed with SUBJECT_KEY_SECRET (domain-separated) so nobody without it can test guesses.
 */
export async function subjectKey(secret: string, userId: string): Promise<string> {
  return keyedSubject(secret, "deleted-subject", userId);
}

export async function subjectKeys(secret: string, userIds: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(userIds)];
  const keys = await Promise.all(unique.map((userId) => subjectKey(secret, userId)));
  return new Map(unique.map((userId, i) => [userId, keys[i]!]));
}
