import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import worker from "../../workers/index";
import type { EngagementEvent } from "../../protocol/events";
import type { AppEnv } from "../../platform/env";
import { waitFor } from "./wait";

export function likeEvent(target: string, userId: string | null, at: number, type: "like" | "unlike" = "like"): EngagementEvent {
  return { eventId: crypto.randomUUID(), type, target, userId, at, seq: 1 };
}

/** Delivers bodies to the worker's real queue handler as the runtime would, and returns the outcome. */
export async function deliver(queue: string, bodies: readonly unknown[], options: { env?: AppEnv; attempts?: number } = {}) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, options.env ?? env);
  return { batch, result: await getQueueResult(batch, ctx) };
}

export async function d1Count(query: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(query).bind(...params).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Waits until the target's room counts `likes` (sharded or not, the room answers the sum). */
export function waitForRoomCount(target: string, likes: number) {
  const room = env.TARGET_ROOM.get(env.TARGET_ROOM.idFromName(target));
  return waitFor(async () => (await room.snapshot(target)).likes, (counted) => counted === likes, 10_000, `${target} to count ${likes}`);
}

/**
 * Writes the legacy D1 like rows of a target (`user_likes`, `target_counts`) as a deployment
 * from before issue 17 left them: nothing writes them any more, but old rows stay (migrations
 * are additive), and reconciliation and deletion still have to handle them.
 */
export async function seedLegacyLikes(target: string, userIds: readonly string[], likes = userIds.length): Promise<void> {
  const now = Date.now();
  await env.DB.batch([
    ...userIds.map((userId) =>
      env.DB.prepare("INSERT INTO user_likes (user_id, target, liked_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").bind(userId, target, now),
    ),
    env.DB.prepare("INSERT INTO target_counts (target, likes, seq, updated_at) VALUES (?, ?, 0, ?)").bind(target, likes, now),
  ]);
}

/** One outbox row's queue message, as a room (or shard `shard` of `epoch`) sends it. */
export function batchMessage(events: readonly EngagementEvent[], producer: { epoch?: number; shard?: number } = {}) {
  const first = events[0]!;
  return {
    producer: { target: first.target, epoch: producer.epoch ?? 0, shard: producer.shard ?? 0 },
    fromSeq: first.seq,
    toSeq: events[events.length - 1]!.seq,
    events,
  };
}

/** Events with increasing seqs, one per user, all on `target`. */
export function likeEvents(target: string, users: readonly string[], at: number, firstSeq = 1): EngagementEvent[] {
  return users.map((userId, i) => ({ eventId: crypto.randomUUID(), type: "like" as const, target, userId, at: at + i, seq: firstSeq + i }));
}
