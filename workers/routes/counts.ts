import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Context } from "hono";
import { BatchCountQuery, BatchCountRequest, BatchCountResponse, CountResponse, StatsResponse } from "../../protocol/likes";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { CACHE_CONTROL, cachedJson, countCacheKey } from "../edge-cache";
import { errorResponses } from "../openapi-common";
import { roomFor } from "../../platform/rooms";
import { validationHook } from "../errors";
import { mapBounded, WORKER_CONNECTIONS } from "../bounded";

const TargetParams = z.object({ target: TargetId });

const countRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/count",
  summary: "Exact like count, edge-cached for at most 2 s",
  request: { params: TargetParams },
  responses: {
    200: { description: "The count", content: { "application/json": { schema: CountResponse } } },
    400: errorResponses[400],
  },
});

const statsRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/stats",
  summary: "Likes, reactions, comments and viewers of a target, edge-cached for at most 2 s",
  request: { params: TargetParams },
  responses: {
    200: { description: "The stats", content: { "application/json": { schema: StatsResponse } } },
    400: errorResponses[400],
  },
});

const batchRoute = createRoute({
  method: "post",
  path: "/v1/counts/batch",
  summary: "Exact counts of up to 100 targets, each edge-cached for at most 2 s under the same key as its count GET",
  request: { body: { required: true, content: { "application/json": { schema: BatchCountRequest } } } },
  responses: {
    200: { description: "Counts by target; unknown targets count 0", content: { "application/json": { schema: BatchCountResponse } } },
    400: errorResponses[400],
    413: errorResponses[413],
  },
});

const batchQueryRoute = createRoute({
  method: "get",
  path: "/v1/counts",
  summary: "Exact counts of up to 100 comma-separated targets, as a cacheable GET; each edge-cached for at most 2 s under the same key as its count GET",
  description:
    "`targets` is a comma-separated list of 1 to 100 target ids (duplicates folded). The same answer as `POST /v1/counts/batch`, readable by a page on another origin without a preflight.",
  request: { query: BatchCountQuery },
  responses: {
    200: { description: "Counts by target; unknown targets count 0", content: { "application/json": { schema: BatchCountResponse } } },
    400: errorResponses[400],
  },
});

/**
 * One target's count through its GET-shaped cache key, shared by the count route and batches:
 * whichever asks first fills it for both. A room that was never written answers 0 without
 * storing anything (durable-objects/unwritten-room.ts); a sharded room answers its shards' sum.
 */
function cachedCount(c: Context<AppBindings>, target: string) {
  return cachedJson(countCacheKey(target, "count"), CountResponse, (p) => c.executionCtx.waitUntil(p), async () => {
    const snapshot = await roomFor(c.env, target).snapshot(target);
    return { target, count: snapshot.likes, asOf: new Date().toISOString() } satisfies CountResponse;
  });
}

/** Each target once, each through its own cache entry. */
async function batchCounts(c: Context<AppBindings>, list: readonly string[]): Promise<BatchCountResponse> {
  const targets = [...new Set(list)];
  // Each target is its own cache entry and, on a miss, its own room: a hit costs no room call,
  // and the batch never needs one table of every count. The 6 lanes keep to the Worker's
  // connection limit (each lane is one cache lookup or one room call at a time).
  const values = await mapBounded(targets, WORKER_CONNECTIONS, async (target) => (await cachedCount(c, target)).value.count);
  const counts: Record<string, number> = Object.fromEntries(targets.map((target, i) => [target, values[i]!]));
  return { counts };
}

export const countsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(countRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { value, cache } = await cachedCount(c, target);
    return c.json(value, 200, { "Cache-Control": CACHE_CONTROL, "X-Cache": cache });
  })
  .openapi(statsRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { value, cache } = await cachedJson(countCacheKey(target, "stats"), StatsResponse, (p) => c.executionCtx.waitUntil(p), async () => {
      const snapshot = await roomFor(c.env, target).snapshot(target);
      return {
        target,
        likes: snapshot.likes,
        reactions: snapshot.reactions,
        comments: snapshot.comments,
        viewers: snapshot.viewers,
        asOf: new Date().toISOString(),
      } satisfies StatsResponse;
    });
    return c.json(value, 200, { "Cache-Control": CACHE_CONTROL, "X-Cache": cache });
  })
  .openapi(batchRoute, async (c) => c.json(await batchCounts(c, c.req.valid("json").targets), 200))
  .openapi(batchQueryRoute, async (c) =>
    // Max-age as short as each target's own entry: the answer is never staler than a count GET.
    c.json(await batchCounts(c, c.req.valid("query").targets), 200, { "Cache-Control": CACHE_CONTROL }),
  );
