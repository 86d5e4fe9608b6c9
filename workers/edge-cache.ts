import type { z } from "zod";

/**
 * Counts are read far more than they change, so they are served from the data centre's
 * Cache API for a second or two. The Cache API has no stale-while-revalidate and is per
 * data centre, so the TTL stays short and a write purges the key it makes stale.
 */
export const COUNT_CACHE_TTL_SECONDS = 1;

const CACHE_ORIGIN = "https://edge-cache.internal";

export function countCacheKey(target: string, view: "count" | "stats"): Request {
  return new Request(`${CACHE_ORIGIN}/v1/targets/${encodeURIComponent(target)}/${view}`);
}

export const CACHE_CONTROL = `public, max-age=${COUNT_CACHE_TTL_SECONDS}`;

/** Serves `produce()` through the cache; a hit is parsed back through its schema, never trusted as is. */
export async function cachedJson<T extends z.ZodType>(
  key: Request,
  schema: T,
  waitUntil: (promise: Promise<unknown>) => void,
  produce: () => Promise<z.infer<T>>,
  cacheControl: string = CACHE_CONTROL,
): Promise<{ value: z.infer<T>; cache: "HIT" | "MISS" }> {
  const cache = caches.default;
  const hit = await cache.match(key);
  if (hit) {
    const parsed = schema.safeParse(await hit.json());
    if (parsed.success) return { value: parsed.data, cache: "HIT" };
  }
  const value = await produce();
  waitUntil(cache.put(key, Response.json(value, { headers: { "Cache-Control": cacheControl } })));
  return { value, cache: "MISS" };
}

/** Purges this data centre's cached views of a target after a write changed it. */
export async function purgeTargetViews(target: string): Promise<void> {
  const cache = caches.default;
  await Promise.all([cache.delete(countCacheKey(target, "count")), cache.delete(countCacheKey(target, "stats"))]);
}
