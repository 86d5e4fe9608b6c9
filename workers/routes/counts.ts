import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { BatchCountRequest, BatchCountResponse, CountResponse, StatsResponse } from "../../protocol/likes";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { targetCounts } from "../db/schema";
import { CACHE_CONTROL, cachedJson, countCacheKey } from "../edge-cache";
import { errorResponses } from "../openapi-common";
import { roomFor } from "../rooms";
import { validationHook } from "../errors";

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
  summary: "Checkpointed counts of up to 100 targets from the D1 index (lags by < 2 s)",
  request: { body: { required: true, content: { "application/json": { schema: BatchCountRequest } } } },
  responses: {
    200: { description: "Counts by target; unknown targets count 0", content: { "application/json": { schema: BatchCountResponse } } },
    400: errorResponses[400],
    413: errorResponses[413],
  },
});

export const countsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(countRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { value, cache } = await cachedJson(countCacheKey(target, "count"), CountResponse, (p) => c.executionCtx.waitUntil(p), async () => {
      const snapshot = await roomFor(c.env, target).snapshot(target);
      return { target, count: snapshot.likes, asOf: new Date().toISOString() } satisfies CountResponse;
    });
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
        comments: 0,
        viewers: snapshot.viewers,
        asOf: new Date().toISOString(),
      } satisfies StatsResponse;
    });
    return c.json(value, 200, { "Cache-Control": CACHE_CONTROL, "X-Cache": cache });
  })
  .openapi(batchRoute, async (c) => {
    const targets = [...new Set(c.req.valid("json").targets)];
    const rows = await drizzle(c.env.DB)
      .select({ target: targetCounts.target, likes: targetCounts.likes })
      .from(targetCounts)
      .where(inArray(targetCounts.target, targets));
    const counts: Record<string, number> = Object.fromEntries(targets.map((target) => [target, 0]));
    for (const row of rows) counts[row.target] = row.likes;
    return c.json({ counts } satisfies BatchCountResponse, 200);
  });
