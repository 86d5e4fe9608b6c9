import { workerdProcesses } from "../scripts/workerd-processes";

/**
 * Resident memory (bytes) of the workerd processes in `processGroup` (the dev server's
 * wrangler and its children); null when none is running.
 */
export async function workerdRssBytes(processGroup: number): Promise<number | null> {
  const processes = await workerdProcesses(processGroup);
  return processes.length === 0 ? null : processes.reduce((sum, p) => sum + p.rssBytes, 0);
}
