import { env } from "cloudflare:test";
import { getJson } from "./helpers";
import { waitFor } from "./wait";

/** The user's like total as `GET /v1/users/:userId/likes` reports it (the user's own index). */
export async function indexedLikes(userId: string): Promise<number> {
  return (await getJson(`/v1/users/${encodeURIComponent(userId)}/likes?limit=1`)).body.total as number;
}

/** Waits until the outbox, the queue and the consumer brought the user's index to `likes`. */
export function waitForIndexedLikes(userId: string, likes: number, timeoutMs = 15_000) {
  return waitFor(() => indexedLikes(userId), (n) => n === likes, timeoutMs, `the index of ${userId} to hold ${likes} likes`);
}

/** Every target the user's own object names (likes incl. tombstones, comments, reactions, refs). */
export async function indexedTargets(userId: string): Promise<string[]> {
  const stub = env.USER_STATE.get(env.USER_STATE.idFromName(userId));
  const targets: string[] = [];
  let after: string | null = null;
  do {
    const page = await stub.listTargets({ after, limit: 1_000 });
    targets.push(...page.targets);
    after = page.nextAfter;
  } while (after !== null);
  return targets;
}

/** Empties the legacy D1 copy of a user's likes, so a reader that still used it would fail. */
export async function emptyLegacyUserLikes(userId?: string): Promise<void> {
  if (userId === undefined) await env.DB.exec("DELETE FROM user_likes");
  else await env.DB.prepare("DELETE FROM user_likes WHERE user_id = ?").bind(userId).run();
}

/** Targets the index holds an event for (likes incl. tombstones, comments, reactions, refs). */
export async function indexedWrites(userId: string): Promise<string[]> {
  const writes = await env.USER_STATE.get(env.USER_STATE.idFromName(userId)).roomsWrittenSince(0);
  return writes.map((write) => write.target).sort();
}
