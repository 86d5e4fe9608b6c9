import { readdir, readFile } from "node:fs/promises";

/**
 * Resident memory (bytes) of the workerd processes in `processGroup` (the dev server's
 * wrangler and its children), read from /proc: Linux only, which is where the bench runs.
 */
export async function workerdRssBytes(processGroup: number): Promise<number | null> {
  let total = 0;
  let found = false;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // Field 5 (after the parenthesised command name) is the process group.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== processGroup) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("workerd")) continue;
      const status = await readFile(`/proc/${entry}/status`, "utf8");
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      if (kb === undefined) continue;
      total += Number(kb) * 1024;
      found = true;
    } catch {
      // the process ended while we looked
    }
  }
  return found ? total : null;
}
