import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { REQUEST_ID_HEADER } from "../protocol/operations";
import type { AppBindings } from "./app-types";
import { logEvent } from "../platform/log";
import { acceptRequestId } from "./request-id";
import { writeRequestDataPoint } from "./request-metrics";
import { isolateRequests } from "./request-window";

/**
 * The route pattern, not the path: `/v1/targets/:target/count` groups every target into one
 * series and keeps user ids and live tickets (`?ticket=`) out of logs and metrics.
 */
function routePatternOf(c: Context): string {
  const last = matchedRoutes(c).at(-1);
  // Only middleware (method ALL) matched: the request hit no route.
  return last === undefined || last.method === "ALL" ? "unmatched" : last.path;
}

function cacheOf(res: Response): "HIT" | "MISS" | null {
  const value = res.headers.get("x-cache");
  return value === "HIT" || value === "MISS" ? value : null;
}

/**
 * A Response from a Durable Object's fetch (the live upgrade) has immutable headers; it is
 * rebuilt, keeping its WebSocket, to carry the request id.
 */
function withHeader(res: Response, name: string, value: string): Response {
  try {
    res.headers.set(name, value);
    return res;
  } catch {
    const headers = new Headers(res.headers);
    headers.set(name, value);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers, webSocket: res.webSocket });
  }
}

/**
 * One structured log line and one Analytics Engine data point per request, and the request
 * id that follows the request into the rooms. Registered first so it also sees requests that
 * a later middleware refused (401, 413) after onError turned them into responses.
 */
export const observeRequests = createMiddleware<AppBindings>(async (c, next) => {
  const startedAt = Date.now();
  const requestId = acceptRequestId(c.req.header(REQUEST_ID_HEADER));
  c.set("requestId", requestId);
  await next();
  c.res = withHeader(c.res, REQUEST_ID_HEADER, requestId);
  const route = routePatternOf(c);
  const status = c.res.status;
  const durationMs = Date.now() - startedAt;
  const cache = cacheOf(c.res);
  isolateRequests.record(status, cache);
  writeRequestDataPoint(c.env.ANALYTICS, { method: c.req.method, route, status, durationMs, cache, environment: c.env.ENVIRONMENT });
  logEvent("request", {
    requestId,
    method: c.req.method,
    route,
    status,
    durationMs,
    ...(cache === null ? {} : { cache }),
    ...(c.var.user === undefined ? {} : { userId: c.var.user.sub }),
  });
});
