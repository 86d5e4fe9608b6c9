import { createMiddleware } from "hono/factory";
import { REQUEST_ID_HEADER } from "../protocol/operations";
import type { AppBindings } from "./app-types";
import { ANY_ORIGIN, allowedOrigin, parseCorsOrigins } from "./cors-origins";
import { errorBody } from "./errors";
import { logEvent } from "../platform/log";

/** Every method a route answers (workers/routes/). */
export const CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
/** Every request header a page needs beyond the CORS-safelisted ones. */
export const CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", REQUEST_ID_HEADER] as const;
/** What `*` may send: an anonymous read needs neither a token nor an idempotency key. */
const ANONYMOUS_REQUEST_HEADERS = ["Content-Type", REQUEST_ID_HEADER] as const;
/** Headers a page must be able to read: when to retry, which request to quote, cache hit or miss. */
export const CORS_EXPOSED_HEADERS = ["Retry-After", REQUEST_ID_HEADER, "X-Cache"] as const;
/**
 * How long a browser keeps a preflight. Short, so an origin taken off the list loses access
 * within minutes on pages that are already open (Chromium caps it at 2 h anyway).
 */
export const CORS_MAX_AGE_SECONDS = 600;

const READ_METHODS = new Set(["GET", "HEAD"]);
/** A preflight asking for these is for a signed-in request or a write: never granted `*`. */
const SIGNED_IN_HEADERS = new Set(["authorization", "idempotency-key"]);
/** The last misconfiguration logged by this isolate: one line per bad value, not per request. */
let loggedMisconfiguration: string | undefined;

function isUpgrade(headers: Headers): boolean {
  return headers.get("upgrade")?.toLowerCase() === "websocket";
}

function applyHeaders(target: Headers, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name === "Vary") target.append(name, value);
    else target.set(name, value);
  }
}

/** Adds headers to a response whose headers may be immutable (one fetched from elsewhere). */
function withHeaders(res: Response, headers: Record<string, string>): Response {
  try {
    applyHeaders(res.headers, headers);
    return res;
  } catch {
    const copy = new Headers(res.headers);
    applyHeaders(copy, headers);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: copy });
  }
}

/**
 * CORS for every answer of the API, errors included: registered before everything that can
 * refuse a request (body limits, sign-in, validation, 404), and its headers are added after
 * the route ran, so a 401, 413 or 429 reaches the page with its body and Retry-After. The
 * edge cache keeps bodies only (workers/edge-cache.ts), so a cached answer gets the headers of
 * the request it answers. The live socket's upgrade is left alone (a 101 carries a WebSocket
 * and no CORS; workers/routes/live.ts checks its Origin itself).
 */
export const corsHeaders = createMiddleware<AppBindings>(async (c, next) => {
  const origin = c.req.header("origin");
  if (isUpgrade(c.req.raw.headers)) return next();
  // Whatever the answer, a shared cache must not hand one origin's answer to another.
  const vary = { Vary: "Origin" };
  if (origin === undefined) {
    await next();
    c.res = withHeaders(c.res, vary);
    return;
  }

  const url = new URL(c.req.url);
  const parsed = parseCorsOrigins(c.env.CORS_ORIGINS);
  if (!parsed.ok && origin !== url.origin) {
    // Only a cross-origin request needs the list. The page may read why (the message names
    // the bad entry and nothing else), so the origin is echoed on this answer alone.
    if (loggedMisconfiguration !== parsed.message) logEvent("cors_misconfigured", { message: parsed.message });
    loggedMisconfiguration = parsed.message;
    return c.json(errorBody("not_configured", parsed.message), 503, { ...vary, "Access-Control-Allow-Origin": origin });
  }
  const policy = parsed.ok ? parsed.policy : { exact: new Set<string>(), anyMayRead: false };

  const requestedMethod = c.req.header("access-control-request-method");
  if (c.req.method === "OPTIONS" && requestedMethod !== undefined) {
    // A preflight: answered here, before body limits, sign-in or routing could refuse it.
    const requestedHeaders = (c.req.header("access-control-request-headers") ?? "").split(",").map((name) => name.trim().toLowerCase());
    const allow = allowedOrigin(policy, {
      origin,
      ownOrigin: url.origin,
      writesOrSignsIn: !READ_METHODS.has(requestedMethod.toUpperCase()) || requestedHeaders.some((name) => SIGNED_IN_HEADERS.has(name)),
    });
    const headers: Record<string, string> = { ...vary };
    if (allow !== null) {
      const anonymous = allow === ANY_ORIGIN;
      headers["Access-Control-Allow-Origin"] = allow;
      headers["Access-Control-Allow-Methods"] = (anonymous ? [...READ_METHODS] : CORS_METHODS).join(", ");
      headers["Access-Control-Allow-Headers"] = (anonymous ? ANONYMOUS_REQUEST_HEADERS : CORS_REQUEST_HEADERS).join(", ");
      headers["Access-Control-Max-Age"] = String(CORS_MAX_AGE_SECONDS);
    }
    return c.body(null, 204, headers);
  }

  await next();
  const allow = allowedOrigin(policy, {
    origin,
    ownOrigin: url.origin,
    writesOrSignsIn: !READ_METHODS.has(c.req.method) || c.req.header("authorization") !== undefined,
  });
  c.res = withHeaders(
    c.res,
    allow === null
      ? vary
      : { ...vary, "Access-Control-Allow-Origin": allow, "Access-Control-Expose-Headers": CORS_EXPOSED_HEADERS.join(", ") },
  );
});
