import { listeningPorts, workerdProcesses } from "../scripts/workerd-processes";

/**
 * The address of the workerd that runs the Worker, behind wrangler dev's proxy workerd. A
 * deployment has no such proxy: sockets connected here measure the room's fan-out without the
 * extra hop every frame makes locally. Null when it cannot be found (not Linux, no group).
 */
export async function runtimeUrl(processGroup: number | null): Promise<string | null> {
  if (processGroup === null) return null;
  const runtime = (await workerdProcesses(processGroup)).find((p) => p.role === "runtime");
  if (runtime === undefined) return null;
  for (const port of await listeningPorts(runtime.pid)) {
    const url = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      const body: unknown = await res.json();
      if (res.ok && typeof body === "object" && body !== null && "ok" in body) return url;
    } catch {
      // the inspector or another listener: not the Worker
    }
  }
  return null;
}
