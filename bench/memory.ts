import { workerdProcesses } from "../scripts/workerd-processes";

export interface WorkerdRss {
  /** The workerd that runs the Worker and its Durable Objects: what a deployment has too. */
  runtime: number;
  /**
   * wrangler dev's own proxy workerd (it listens on the public port and forwards every request
   * and socket frame to the runtime); production has no such hop.
   */
  devProxy: number;
}

/**
 * Resident memory (bytes) of the workerd processes in `processGroup` (the dev server's
 * wrangler and its children), by role; null when none is running.
 */
export async function workerdRssBytes(processGroup: number): Promise<WorkerdRss | null> {
  const processes = await workerdProcesses(processGroup);
  if (processes.length === 0) return null;
  const total: WorkerdRss = { runtime: 0, devProxy: 0 };
  for (const p of processes) total[p.role] += p.rssBytes;
  return total;
}
