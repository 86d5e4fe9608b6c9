import { MeteringResponse } from "../protocol/metering";

export type Counters = Record<string, number>;

export async function readMetering(baseUrl: string, adminToken: string) {
  const res = await fetch(`${baseUrl}/v1/dev/metering`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) throw new Error(`GET /v1/dev/metering answered ${res.status}: ${await res.text()}`);
  return MeteringResponse.parse(await res.json());
}

export function delta(after: Counters, before: Counters): Counters {
  const out: Counters = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}

/** Sums counters whose `origin/kind/name` matches; `*` matches any one part. */
export function sum(counters: Counters, origin: string, kind: string, name = "*"): number {
  let total = 0;
  for (const [key, value] of Object.entries(counters)) {
    const [o, k, ...rest] = key.split("/");
    const n = rest.join("/");
    if ((origin === "*" || o === origin) && (kind === "*" || k === kind) && (name === "*" || n === name || n.startsWith(`${name}.`))) total += value;
  }
  return total;
}

/** The figures docs/scale.md plans with, for one phase's counters. */
export function figures(c: Counters) {
  return {
    d1Statements: sum(c, "*", "d1.statements"),
    d1StatementsInObjects: sum(c, "*", "d1.statements") - sum(c, "worker", "d1.statements"),
    d1Calls: sum(c, "*", "d1.calls"),
    queueMessages: sum(c, "*", "queue.messages"),
    queueDeliveries: sum(c, "worker", "queue.delivered"),
    r2Written: sum(c, "*", "r2.written"),
    r2Puts: sum(c, "*", "r2.put"),
    doRequests: sum(c, "*", "do.requests"),
    doAlarms: sum(c, "*", "do.alarms"),
    userIndexCalls: sum(c, "*", "do.requests", "USER_STATE.ingest"),
    userIndexUpdates: sum(c, "*", "do.events", "USER_STATE.ingest"),
  };
}
export type Figures = ReturnType<typeof figures>;

export const FIGURE_LABELS: Record<keyof Figures, string> = {
  d1Statements: "D1 statements (target: 0)",
  d1StatementsInObjects: "  of which from Durable Objects",
  d1Calls: "D1 round trips",
  queueMessages: "queue messages sent",
  queueDeliveries: "queue messages delivered",
  r2Written: "R2 objects written",
  r2Puts: "R2 puts (incl. refused create-only)",
  doRequests: "Durable Object requests (RPC)",
  doAlarms: "Durable Object alarms",
  userIndexCalls: "user-index calls (USER_STATE.ingest)",
  userIndexUpdates: "user-index updates (events ingested)",
};

/** Waits until the counters stop moving (queues drained, alarms done), at most `maxMs`. */
export async function settle(baseUrl: string, adminToken: string, quietMs: number, maxMs: number): Promise<{ counters: Counters; isolate: string | null; settled: boolean }> {
  const deadline = Date.now() + maxMs;
  let last = await readMetering(baseUrl, adminToken);
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = await readMetering(baseUrl, adminToken);
    if (JSON.stringify(now.counters) !== JSON.stringify(last.counters)) quietSince = Date.now();
    last = now;
    if (Date.now() - quietSince >= quietMs) return { counters: now.counters, isolate: now.isolate, settled: true };
  }
  return { counters: last.counters, isolate: last.isolate, settled: false };
}
