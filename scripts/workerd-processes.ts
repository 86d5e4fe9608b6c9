import { readdir, readFile, readlink } from "node:fs/promises";

export interface WorkerdProcess {
  pid: number;
  rssBytes: number;
  /** CPU time used so far, user plus system. */
  cpuSeconds: number;
  /** Arguments joined by spaces. */
  cmdline: string;
  /**
   * wrangler dev runs two workerd processes: the runtime that holds the Worker and its Durable
   * Objects (wrangler tells it to listen on port 0) and a proxy on the public port in front of it.
   */
  role: "runtime" | "devProxy";
}

/**
 * The workerd processes in `processGroup` (a dev server's wrangler and its children), read
 * from /proc: Linux only, which is where the benchmarks and reliability tests run. Crash tests
 * kill these by pid and the memory probes sum their resident sets.
 */
export async function workerdProcesses(processGroup: number): Promise<WorkerdProcess[]> {
  const found: WorkerdProcess[] = [];
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
      // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
      const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
      const args = cmdline.split("\0").join(" ");
      const role = args.includes("--socket-addr=entry=127.0.0.1:0 ") ? "runtime" : "devProxy";
      found.push({ pid: Number(entry), rssBytes: Number(kb) * 1024, cpuSeconds, cmdline: args, role });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** TCP ports `pid` listens on, from its socket fds matched against /proc/net/tcp (Linux). */
export async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1);
    for (const line of lines) {
      const columns = line.trim().split(/\s+/);
      // local_address is column 1 (hex ip:port), st column 3 (0A = LISTEN), inode column 9.
      const [, local, , state, , , , , , inode] = columns;
      if (state !== "0A" || inode === undefined || !inodes.has(inode)) continue;
      const port = Number.parseInt(local?.split(":")[1] ?? "", 16);
      if (Number.isInteger(port)) ports.push(port);
    }
  }
  return ports;
}
