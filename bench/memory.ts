import { readdir, readFile } from "node:fs/promises";

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
 * wrangler and its children), read from /proc: Linux only, which is where the bench runs.
 * The runtime is told to listen on port 0 (wrangler picks its address); the proxy listens on
 * the port the user asked for.
 */
export async function workerdRssBytes(processGroup: number): Promise<WorkerdRss | null> {
  const total: WorkerdRss = { runtime: 0, devProxy: 0 };
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
      const role = cmdline.includes("--socket-addr=entry=127.0.0.1:0") ? "runtime" : "devProxy";
      total[role] += Number(kb) * 1024;
      found = true;
    } catch {
      // the process ended while we looked
    }
  }
  return found ? total : null;
}
