import { z } from "zod";

/**
 * CORS_ORIGINS (docs/cors.md): which other sites' pages may call the API and open its socket.
 * A comma-separated list of exact origins; `*` lets any page read public data (anonymous GETs
 * and viewer sockets) and never write. Unset or empty: only the Worker's own page.
 */
export const ANY_ORIGIN = "*";

/** More would be a sign of a list pasted by mistake; one deployment serves one site. */
const MAX_ORIGINS = 50;

/**
 * An origin exactly as a browser sends it: scheme, host and a non-default port, lower case,
 * no path, no trailing slash. `null` (sandboxed frames, file pages) is never an origin we allow.
 */
function isExactOrigin(value: string): boolean {
  if (!/^https?:\/\/[^/?#@\s]+$/.test(value)) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

const Entry = z.string().refine((entry) => entry === ANY_ORIGIN || isExactOrigin(entry), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not an exact origin (scheme://host[:port] in lower case, no path or trailing slash) nor "*"`,
});

export const CorsOrigins = z
  .string()
  .transform((raw) =>
    raw
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ""),
  )
  .pipe(z.array(Entry).max(MAX_ORIGINS, `at most ${MAX_ORIGINS} origins`))
  .transform((entries) => ({
    exact: new Set(entries.filter((entry) => entry !== ANY_ORIGIN)),
    anyMayRead: entries.includes(ANY_ORIGIN),
  }));
export type CorsPolicy = z.output<typeof CorsOrigins>;

export type ParsedCorsOrigins = { ok: true; policy: CorsPolicy } | { ok: false; message: string };

let lastParsed: { raw: string | undefined; parsed: ParsedCorsOrigins } | undefined;

/**
 * Never throws: a bad list would otherwise fail every request at module scope with an opaque
 * error; instead the requests that need it answer 503 naming the bad entry. One isolate sees
 * one value, so the last parse is kept.
 */
export function parseCorsOrigins(raw: string | undefined): ParsedCorsOrigins {
  if (lastParsed !== undefined && lastParsed.raw === raw) return lastParsed.parsed;
  const result = CorsOrigins.safeParse(raw ?? "");
  const parsed: ParsedCorsOrigins = result.success
    ? { ok: true, policy: result.data }
    : { ok: false, message: `CORS_ORIGINS is misconfigured: ${result.error.issues.map((issue) => issue.message).join("; ")}` };
  lastParsed = { raw, parsed };
  return parsed;
}

/** What a request from `origin` may do; `ownOrigin` (the Worker's own page) is always allowed. */
export interface OriginAsk {
  origin: string;
  ownOrigin: string;
  /** A write, or any request that carries credentials (a bearer token, a ticket). */
  writesOrSignsIn: boolean;
}

/**
 * The value of Access-Control-Allow-Origin for this request, or null for none. `*` is only
 * ever granted to a request that neither writes nor carries credentials.
 */
export function allowedOrigin(policy: CorsPolicy, ask: OriginAsk): string | null {
  if (ask.origin === ask.ownOrigin || policy.exact.has(ask.origin)) return ask.origin;
  if (policy.anyMayRead && !ask.writesOrSignsIn) return ANY_ORIGIN;
  return null;
}

export type SocketOriginVerdict = "allowed" | "origin_not_allowed" | "not_configured";

/**
 * The live socket's upgrade cannot use CORS (a browser opens any WebSocket and only sends
 * Origin), so it is checked here against the same list: a viewer socket like an anonymous
 * read, a signed-in one (it can write) like a write. A client that sends no Origin is not a
 * browser page: its ticket alone decides.
 */
export function socketOrigin(raw: string | undefined, origin: string | null, ownOrigin: string, signsIn: boolean): SocketOriginVerdict {
  if (origin === null || origin === ownOrigin) return "allowed";
  const parsed = parseCorsOrigins(raw);
  if (!parsed.ok) return "not_configured";
  return allowedOrigin(parsed.policy, { origin, ownOrigin, writesOrSignsIn: signsIn }) === null ? "origin_not_allowed" : "allowed";
}
