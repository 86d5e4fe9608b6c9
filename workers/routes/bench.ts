import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { MAX_OPS_PER_RPC } from "../../protocol/internal/room-rpc";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { ApiError, validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { requireUser } from "../auth";
import { requireAdmin } from "../admin-auth";
import { roomFor } from "../../platform/rooms";
import { applyLikesRouted, rememberShardConfig, shardStub } from "../../platform/like-router";

/**
 * Bounds of one run: what `npm run bench` asks for (200,000 likes into one room, 4 RPCs in
 * flight, a handful of shards), not what a room could be made to swallow. Even behind the
 * dev guard and an admin token, one request must not keep a dev server busy for minutes.
 */
export const MAX_BENCH_LIKES = 200_000;
export const MAX_BENCH_CONCURRENCY = 4;
export const MAX_BENCH_SHARDS = 16;

export const BenchRpcLikesBody = z.strictObject({
  target: TargetId,
  total: z.number().int().min(1).max(MAX_BENCH_LIKES),
  batch: z.number().int().min(1).max(MAX_OPS_PER_RPC),
  /** RPCs in flight at once; the room still applies them one transaction at a time. */
  concurrency: z.number().int().min(1).max(MAX_BENCH_CONCURRENCY).default(2),
  /** Spread the target over this many LikeShard objects first; batches then go through the shard router. */
  shards: z.number().int().min(1).max(MAX_BENCH_SHARDS).optional(),
  /**
   * `bare`: the same like rows in the same batches into the bench's floor object
   * (durable-objects/bench/bench-floor.ts), which stores nothing else: the reference the
   * room's figure is read against. Not with `shards`.
   */
  into: z.enum(["room", "bare"]).default("room"),
});

export const BenchRpcLikesResult = z.object({
  target: TargetId,
  likes: z.number().int().nonnegative(),
  rpcs: z.number().int().nonnegative(),
  elapsedMs: z.number().nonnegative(),
  count: z.number().int().nonnegative(),
});

const rpcLikesRoute = createRoute({
  method: "post",
  path: "/v1/dev/bench/rpc-likes",
  summary: "Development on loopback only (404 elsewhere), admin token: drives one room with batched like RPCs from inside the Worker, for `npm run bench`",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { body: { required: true, content: { "application/json": { schema: BenchRpcLikesBody } } } },
  responses: {
    200: { description: "How long the room took", content: { "application/json": { schema: BenchRpcLikesResult } } },
    400: errorResponses[400],
    401: errorResponses[401],
    403: { description: "The token lacks the admin role", content: errorResponses[400].content },
    404: { description: "Not in development, or not on a loopback host", content: errorResponses[400].content },
  },
});

/**
 * Each shard object is created (and has asked the room about a user, as its first like will)
 * before the clock starts, and this isolate's router knows the layout, as it does for a target
 * that has been hot for a while: the run times likes, not objects coming into being or the
 * one "moved" answer per batch that teaches a cold isolate the layout.
 */
async function wakeShards(env: AppBindings["Bindings"], target: string): Promise<void> {
  const config = await roomFor(env, target).shardConfig(target);
  rememberShardConfig(target, config);
  await Promise.all(
    Array.from({ length: config.n }, (_, k) =>
      shardStub(env, target, config.epoch, k).likeStatus({ address: { target, epoch: config.epoch, k, layout: config.layout }, userId: `bench-wake-${k}` }),
    ),
  );
}

/**
 * Measures what one Durable Object absorbs through batched RPC with no HTTP in between:
 * distinct synthetic users, `batch` likes per RPC, then the room's own count as the check.
 */
export const benchRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(rpcLikesRoute, async (c) => {
  const { target, total, batch, concurrency, shards, into } = c.req.valid("json");
  if (into === "bare" && shards !== undefined) throw new ApiError(400, "invalid_request", "`shards` drives the room; a bare run has no shards");
  const room = roomFor(c.env, target);
  const bare = c.env.BENCH_FLOOR.get(c.env.BENCH_FLOOR.idFromName(`bare:${target}`));
  if (shards !== undefined) {
    const set = await room.setShards({ target, n: shards });
    if (!set.ok) throw new ApiError(set.error.status, set.error.code, set.error.message);
    await wakeShards(c.env, target);
  }
  const run = crypto.randomUUID().slice(0, 8);
  let next = 0;
  let rpcs = 0;
  const worker = async () => {
    while (next < total) {
      const from = next;
      const size = Math.min(batch, total - from);
      next += size;
      const ops = Array.from({ length: size }, (_, i) => ({ userId: `bench-${run}-${from + i}`, action: "like" as const }));
      rpcs++;
      if (into === "bare") {
        await bare.insertLikes(ops.map((op) => op.userId));
        continue;
      }
      const outcomes = shards === undefined ? await room.applyLikes({ target, ops, unlimited: true }) : await applyLikesRouted(c.env, target, ops, undefined, undefined, true);
      if (outcomes.some((outcome) => !outcome.ok)) throw new Error("the room refused a benchmark like");
    }
  };
  const startedAt = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = Date.now() - startedAt;
  const count = into === "bare" ? await bare.likes() : (await room.snapshot(target)).likes;
  return c.json({ target, likes: total, rpcs, elapsedMs, count }, 200);
});
