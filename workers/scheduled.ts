import type { AppEnv } from "../platform/env";
import { logEvent } from "../platform/log";
import { reconcileIndexes } from "./reconcile";
import { resumeStalledDeletions } from "./deletion/resume";

/**
 * The cron's work. Both jobs run even if one fails; a failure is rethrown afterwards so the
 * invocation shows as failed in the dashboard.
 */
export async function runScheduledJobs(env: AppEnv, cron: string): Promise<void> {
  const results = await Promise.allSettled([reconcileIndexes(env, "cron"), resumeStalledDeletions(env)]);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
  for (const failure of failures) logEvent("scheduled_job_failed", { cron, error: String(failure.reason) });
  if (failures.length > 0) throw new Error(`${failures.length} scheduled job(s) failed`);
}
