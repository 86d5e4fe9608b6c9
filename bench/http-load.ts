import { percentile, progress } from "./common";

export interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A closed loop: `concurrency` clients each send their next request as soon as the last one
 * answered, for `seconds`, after a short warm-up that is not counted. `request(i)` makes the
 * i-th request and says whether it succeeded.
 */
export async function closedLoop(
  name: string,
  options: { concurrency: number; seconds: number; warmupSeconds?: number },
  request: (i: number) => Promise<boolean>,
): Promise<LoadResult> {
  let next = 0;
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stopAt = Number.POSITIVE_INFINITY;
  const client = async () => {
    while (performance.now() < stopAt) {
      const i = next++;
      const startedAt = performance.now();
      let ok = false;
      try {
        ok = await request(i);
      } catch {
        ok = false;
      }
      if (!measuring) continue;
      latencies.push(performance.now() - startedAt);
      if (!ok) errors++;
    }
  };
  const warmup = (options.warmupSeconds ?? 1) * 1000;
  const clients = Array.from({ length: options.concurrency }, client);
  await new Promise((r) => setTimeout(r, warmup));
  measuring = true;
  const measuredFrom = performance.now();
  stopAt = measuredFrom + options.seconds * 1000;
  const ticker = setInterval(() => progress(`${name}: ${latencies.length} requests, ${errors} errors`), 1000);
  await Promise.all(clients);
  clearInterval(ticker);
  const elapsed = (performance.now() - measuredFrom) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    name,
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}
