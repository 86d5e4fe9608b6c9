import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import worker from "../../workers/index";
import type { EngagementEvent } from "../../protocol/events";
import type { AppEnv } from "../../workers/env";
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

/**
 * Waits until the room counts `likes` and its checkpoint has nothing left to copy. Asked of
 * the room, not of D1's target_counts: counts no longer come from D1, and the checkpoint that
 * writes them goes away (issue 17).
 */
export function waitForCheckpoint(target: string, likes: number) {
  const room = env.TARGET_ROOM.get(env.TARGET_ROOM.idFromName(target));
  return waitFor(
    async () => {
      const { likes: counted } = await room.snapshot(target);
      const pending = await runInDurableObject(room, (_room, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'd1_pending'").one().n === 0
          ? 0
          : state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM d1_pending").one().n,
      );
      return { counted, pending };
    },
    ({ counted, pending }) => counted === likes && pending === 0,
    10_000,
    `checkpoint of ${target}`,
  );
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
