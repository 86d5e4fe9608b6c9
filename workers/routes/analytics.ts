import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { TargetSeriesQuery, TargetSeriesResponse, TopQuery, TopResponse } from "../../protocol/analytics";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { targetSeries, topTargets } from "../analytics";
import { cachedJson } from "../edge-cache";
import { validationHook } from "../errors";
import { errorResponses } from "../openapi-common";

/** Series change with every write and leaderboards once a minute; a few seconds at the edge absorb dashboards polling. */
export const ANALYTICS_CACHE_TTL_SECONDS = 5;
const ANALYTICS_CACHE_CONTROL = `public, max-age=${ANALYTICS_CACHE_TTL_SECONDS}`;
const CACHE_ORIGIN = "https://analytics-cache.internal";

const seriesRoute = createRoute({
  method: "get",
  path: "/v1/analytics/targets/{target}",
  summary: "Likes, unlikes, reactions and comments of a target per minute (1h) or per hour (24h, 7d), from the target's own room",
  request: { params: z.object({ target: TargetId }), query: TargetSeriesQuery },
  responses: {
    200: { description: "A dense series and its totals", content: { "application/json": { schema: TargetSeriesResponse } } },
    400: errorResponses[400],
  },
});

const topRoute = createRoute({
  method: "get",
  path: "/v1/analytics/top",
  summary: "Targets with the most events of a metric in a window, merged from the leaderboard partitions (rooms report at most once a minute)",
  request: { query: TopQuery },
  responses: {
    200: { description: "Targets, highest first", content: { "application/json": { schema: TopResponse } } },
    400: errorResponses[400],
  },
});

export const analyticsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(seriesRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { window } = c.req.valid("query");
    const key = new Request(`${CACHE_ORIGIN}/targets/${encodeURIComponent(target)}?window=${window}`);
    const { value, cache } = await cachedJson(
      key,
      TargetSeriesResponse,
      (p) => c.executionCtx.waitUntil(p),
      () => targetSeries(c.env, target, window),
      ANALYTICS_CACHE_CONTROL,
    );
    return c.json(value, 200, { "Cache-Control": ANALYTICS_CACHE_CONTROL, "X-Cache": cache });
  })
  .openapi(topRoute, async (c) => {
    const { metric, window, limit } = c.req.valid("query");
    const key = new Request(`${CACHE_ORIGIN}/top?metric=${metric}&window=${window}&limit=${limit}`);
    const { value, cache } = await cachedJson(
      key,
      TopResponse,
      (p) => c.executionCtx.waitUntil(p),
      () => topTargets(c.env, metric, window, limit),
      ANALYTICS_CACHE_CONTROL,
    );
    return c.json(value, 200, { "Cache-Control": ANALYTICS_CACHE_CONTROL, "X-Cache": cache });
  });
