import { readdir, readFile } from "node:fs/promises";

const TICKS_PER_SECOND = 100;
/** Below a tenth of one core the runtime is only answering the bench itself. */
const QUIET_SHARE_OF_A_CORE = 0.1;
const SAMPLE_MS = 1_000;

/** CPU seconds used so far by the workerd processes in `processGroup` (Linux /proc). */
async function workerdCpuSeconds(processGroup: number): Promise<number | null> {
  let ticks = 0;
  let found = false;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== processGroup) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("workerd")) continue;
      // utime and stime are fields 14 and 15 of /proc/<pid>/stat.
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // the process ended while we looked
    }
  }
  return found ? ticks / TICKS_PER_SECOND : null;
}

/**
 * Waits until the runtime has finished the work a section left behind: 200,000 likes written
 * into one room are checkpointed to D1 by alarms for a while after the section ends, and a
 * fan-out measured meanwhile times the checkpoint, not the broadcast. Returns the seconds waited.
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
