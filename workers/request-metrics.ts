import { logEvent } from "../platform/log";

export interface RequestMeasure {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  cache: "HIT" | "MISS" | null;
  environment: string;
}

/**
 * One Analytics Engine data point per request. Field positions are the dataset's schema,
 * so queries in docs/operations.md depend on them: append, never reorder.
 * blob1 route pattern, blob2 method, blob3 status, blob4 cache (HIT, MISS or ""), blob5
 * environment; double1 duration ms, double2 status; index1 route (the sampling key).
 */
export function writeRequestDataPoint(dataset: AnalyticsEngineDataset | undefined, measure: RequestMeasure): void {
  // Absent in local dev and tests, where wrangler.toml binds no dataset.
  if (dataset === undefined) return;
  try {
    dataset.writeDataPoint({
      indexes: [measure.route.slice(0, 96)],
      blobs: [measure.route, measure.method, String(measure.status), measure.cache ?? "", measure.environment],
      doubles: [measure.durationMs, measure.status],
    });
  } catch (error) {
    // Metrics must never fail the request they describe.
    logEvent("analytics_write_failed", { route: measure.route, error: String(error) });
  }
}
