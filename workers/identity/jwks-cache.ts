import type { JSONWebKeySet } from "jose";
import { z } from "zod";
import type { JwksTimings } from "./providers";

/**
 * One JWKS document per provider, kept in isolate memory and in the Cache API (per data
 * centre, so a new isolate does not fetch again). jose's remote set is not enough here: it has
 * no stale fallback, so a provider outage would sign every user out, and nothing waits for
 * its pending fetch across requests. docs/identity.md "When the provider is down".
 */

/** Thrown when there is no usable key set at all: a cold cache and a provider that is down. */
export class JwksUnavailable extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("identity provider unavailable");
  }
}

interface Document {
  jwks: JSONWebKeySet;
  fetchedAt: number;
}

/** Only what jose needs to pick a key; a provider's odd extra members are kept as they are. */
const KeySet = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).max(100) });
const Stored = z.object({ jwks: KeySet, fetchedAt: z.number() });

const documents = new Map<string, Document>();
/** When the last fetch failed: a down provider must not make every request wait for a time-out. */
const failedAt = new Map<string, number>();
/** When an unknown `kid` last forced a refresh: at most one per provider per interval. */
const forcedAt = new Map<string, number>();
/**
 * The fetch in flight per provider, shared by the requests that need it meanwhile. Each of them
 * races it against its own time-out, so a request whose fetch is cut off (its client left) never
 * leaves another waiting for longer than that.
 */
const pending = new Map<string, Promise<Document>>();

const cacheKey = (jwksUrl: string) => `https://jwks-cache.internal/${encodeURIComponent(jwksUrl)}`;

async function fromCacheApi(jwksUrl: string): Promise<Document | undefined> {
  try {
    const hit = await caches.default.match(cacheKey(jwksUrl));
    if (hit === undefined) return undefined;
    const stored = Stored.safeParse(await hit.json());
    return stored.success ? stored.data : undefined;
  } catch {
    return undefined;
  }
}

async function toCacheApi(jwksUrl: string, document: Document, timings: JwksTimings): Promise<void> {
  try {
    const body = JSON.stringify(document);
    const maxAge = Math.max(1, Math.ceil(timings.staleMs / 1000));
    await caches.default.put(cacheKey(jwksUrl), new Response(body, { headers: { "content-type": "application/json", "cache-control": `max-age=${maxAge}` } }));
  } catch {
    // The memory copy still serves this isolate; the next one fetches again.
  }
}

async function download(jwksUrl: string, timings: JwksTimings, now: () => number): Promise<Document> {
  const response = await fetch(jwksUrl, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timings.timeoutMs) });
  if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
  const parsed = KeySet.safeParse(await response.json());
  if (!parsed.success) throw new Error("JWKS is not a key set");
  const document: Document = { jwks: parsed.data as JSONWebKeySet, fetchedAt: now() };
  documents.set(jwksUrl, document);
  await toCacheApi(jwksUrl, document, timings);
  return document;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("JWKS fetch timed out")), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function refresh(jwksUrl: string, timings: JwksTimings, now: () => number): Promise<Document> {
  let inFlight = pending.get(jwksUrl);
  if (inFlight === undefined) {
    inFlight = download(jwksUrl, timings, now).finally(() => pending.delete(jwksUrl));
    pending.set(jwksUrl, inFlight);
  }
  return withTimeout(inFlight, timings.timeoutMs);
}

/**
 * The key set to verify with. Fresh: as cached. Older: fetched again, and if the provider is
 * down or slow, the old one serves until `staleMs`. `unknownKid`: the token names a key the
 * cached set lacks, which is how a rotation shows; a refresh then, at most once per interval.
 */
export async function providerKeys(jwksUrl: string, timings: JwksTimings, unknownKid: boolean, now: () => number = Date.now): Promise<JSONWebKeySet> {
  let cached = documents.get(jwksUrl);
  if (cached === undefined) {
    cached = await fromCacheApi(jwksUrl);
    if (cached !== undefined) documents.set(jwksUrl, cached);
  }
  const at = now();
  const age = cached === undefined ? Infinity : at - cached.fetchedAt;
  let wanted = age >= timings.freshMs;
  if (!wanted && unknownKid && at - (forcedAt.get(jwksUrl) ?? -Infinity) >= timings.unknownKidRefreshMs) {
    forcedAt.set(jwksUrl, at);
    wanted = true;
  }
  if (!wanted) return cached!.jwks;

  const usable = cached !== undefined && age < timings.staleMs ? cached : undefined;
  const failed = failedAt.get(jwksUrl);
  if (failed !== undefined && at - failed < timings.negativeMs) {
    if (usable !== undefined) return usable.jwks;
    throw new JwksUnavailable(Math.max(1, Math.ceil((failed + timings.negativeMs - at) / 1000)));
  }
  try {
    const fetched = await refresh(jwksUrl, timings, now);
    failedAt.delete(jwksUrl);
    return fetched.jwks;
  } catch {
    failedAt.set(jwksUrl, now());
    if (usable !== undefined) return usable.jwks;
    throw new JwksUnavailable(Math.max(1, Math.ceil(timings.negativeMs / 1000)));
  }
}
