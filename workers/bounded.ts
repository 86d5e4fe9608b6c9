/**
 * A Worker invocation keeps at most 6 connections open at once (fetch, Cache API, Durable
 * Object calls); more simply queue inside the runtime and can stall each other. This runs `work`
 * over `items` with at most `limit` in flight and answers in the items' order.
 */
export const WORKER_CONNECTIONS = 6;

export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
