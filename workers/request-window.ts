/**
 * Recent requests seen by THIS isolate, for the health report's error and cache-hit rates.
 * The Worker cannot query Analytics Engine (that needs an account API token), so this is a
 * sample: the isolate that answers `/v1/admin/health` saw a share of the traffic, which is
 * enough to notice an error spike. The fleet-wide numbers and alerts live in Analytics Engine
 * (docs/operations.md).
 */
export const REQUEST_WINDOW_MS = 5 * 60_000;
const BUCKET_MS = 10_000;
const BUCKETS = REQUEST_WINDOW_MS / BUCKET_MS;

interface Bucket {
  start: number;
  requests: number;
  serverErrors: number;
  cacheHits: number;
  cacheLookups: number;
}

export interface RequestWindowTotals {
  requests: number;
  serverErrors: number;
  cacheHits: number;
  cacheLookups: number;
}

export class RequestWindow {
  private readonly buckets: Bucket[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  record(status: number, cache: "HIT" | "MISS" | null): void {
    const bucket = this.current();
    bucket.requests++;
    if (status >= 500) bucket.serverErrors++;
    if (cache !== null) {
      bucket.cacheLookups++;
      if (cache === "HIT") bucket.cacheHits++;
    }
  }

  totals(): RequestWindowTotals {
    const from = this.now() - REQUEST_WINDOW_MS;
    const totals = { requests: 0, serverErrors: 0, cacheHits: 0, cacheLookups: 0 };
    for (const bucket of this.buckets) {
      if (bucket.start + BUCKET_MS <= from) continue;
      totals.requests += bucket.requests;
      totals.serverErrors += bucket.serverErrors;
      totals.cacheHits += bucket.cacheHits;
      totals.cacheLookups += bucket.cacheLookups;
    }
    return totals;
  }

  private current(): Bucket {
    const start = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const last = this.buckets.at(-1);
    if (last?.start === start) return last;
    const bucket = { start, requests: 0, serverErrors: 0, cacheHits: 0, cacheLookups: 0 };
    this.buckets.push(bucket);
    if (this.buckets.length > BUCKETS) this.buckets.shift();
    return bucket;
  }
}

/** One per isolate: module state lives as long as the isolate does. */
export const isolateRequests = new RequestWindow();
