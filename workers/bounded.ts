/**
 * A Worker invocation keeps at most 6 connections open at once (fetch, Cache API, R2, Durable
 * Object calls); more simply queue inside the runtime and can stall each other, so work over
 * many items runs in a few lanes, leaving room for the rest of the invocation.
 */
export const WORKER_CONNECTIONS = 6;

/** Runs `work` over `items` with at most `limit` in flight and answers in the items' order; the first failure rejects. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const settled = await settleBounded(items, limit, work);
  return settled.map((result) => {
    if (result.status === "rejected") throw result.reason;
    return result.value;
  });
}

/** Runs `work` over `items` with at most `limit` in flight, and settles every item. */
export async function settleBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await work(items[i]!) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
