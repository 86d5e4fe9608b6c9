/**
 * Runs `work` over `items` with at most `limit` in flight, and settles every item. A Worker
 * has 6 simultaneous outgoing connections (Durable Object calls, R2, fetch); more only wait
 * in the runtime's queue, so a bound below that leaves room for the rest of the job.
 */
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
