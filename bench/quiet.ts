import { workerdProcesses } from "../scripts/workerd-processes";

/** Below a tenth of one core the runtime is only answering the bench itself. */
const QUIET_SHARE_OF_A_CORE = 0.1;
const SAMPLE_MS = 1_000;

/** CPU seconds used so far by the workerd processes in `processGroup`; null when none runs. */
async function workerdCpuSeconds(processGroup: number): Promise<number | null> {
  const processes = await workerdProcesses(processGroup);
  return processes.length === 0 ? null : processes.reduce((sum, p) => sum + p.cpuSeconds, 0);
}

/**
 * Waits until the runtime has finished the work a section left behind: 200,000 likes written
 * into one room are shipped by its outbox to the queue and its consumer for a while after the
 * section ends, and a fan-out measured meanwhile times that, not the broadcast. Returns the seconds waited.
 */
export async function waitForQuietRuntime(processGroup: number | null, maxSeconds = 300): Promise<number> {
  if (processGroup === null) return 0;
  const started = performance.now();
  let previous = await workerdCpuSeconds(processGroup);
  while (previous !== null && performance.now() - started < maxSeconds * 1000) {
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
    const now = await workerdCpuSeconds(processGroup);
    if (now === null) break;
    const share = (now - previous) / (SAMPLE_MS / 1000);
    previous = now;
    if (share < QUIET_SHARE_OF_A_CORE) break;
  }
  return (performance.now() - started) / 1000;
}
