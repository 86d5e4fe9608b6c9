// What one like costs the platform under the hot-target load, counted by the meters of the
// data-plane simulation (workers/dev-metering.ts, bench/simulate-meter.ts) on a server of its
// own started with DEV_METERING=on, with viewers watching the target so frames are counted
// too (counted by the viewers as they arrive). docs/cost.md turns these into money.
import { startDevServer } from "../scripts/dev-server";
import { UNLIMITED_RATES } from "../test/reliability/client";
import { progress, SECRET, token } from "./common";
import { roomSide } from "./interleaved";
import type { LoadResult } from "./http-load";
import { delta, figures, settle, sum } from "./simulate-meter";

/** The bench's own reads (the frames counter), which no like causes. */
const BENCH_OWN_CALLS = new Set(["TARGET_ROOM.metrics"]);

/** Viewers on the hot target while it is liked: frames per like scale with them. */
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 100);

export interface CostResult {
  likes: number;
  viewers: number;
  settled: boolean;
  perLike: {
    d1Statements: number;
    queueMessages: number;
    r2Writes: number;
    doRequests: number;
    doAlarms: number;
    framesSent: number;
    framesPerViewer: number;
  };
  doRequestsByMethod: Record<string, number>;
  counters: Record<string, number>;
}

interface Check {
  name: string;
  expected: number;
  actual: number;
}

type Load = (url: string, target: string, seconds: number) => Promise<{ load: LoadResult; changed: string[] }>;

export async function costSection(options: { seconds: number; load: Load }, checks: Check[]): Promise<CostResult> {
  const server = await startDevServer({ authSecret: SECRET, reuseWebBuild: true, vars: { ...UNLIMITED_RATES, DEV_METERING: "on" } });
  try {
    const admin = await token("bench-admin", ["admin"]);
    const viewers = await roomSide(server.url, VIEWERS, "cost");
    // The like that made the room: its first-write costs are not a hot like's.
    await viewers.round();
    const before = await settle(server.url, admin, 4_000, 60_000);
    // Counted where they arrive: the room's own counter lives in memory and restarts when the
    // room hibernates between the settle and the load.
    const framesBefore = viewers.frames();
    const { changed } = await options.load(server.url, viewers.target, options.seconds);
    const after = await settle(server.url, admin, 6_000, 180_000);
    const frames = viewers.frames() - framesBefore;
    viewers.close();
    checks.push({ name: "cost: the meters' isolate did not restart during the load", expected: 1, actual: before.isolate === after.isolate ? 1 : 0 });
    const counters = delta(after.counters, before.counters);
    const f = figures(counters);
    const likes = changed.length;
    const per = (n: number) => n / likes;
    const doRequestsByMethod: Record<string, number> = {};
    for (const [key, value] of Object.entries(counters)) {
      const [, kind, name] = key.split("/");
      if (kind === "do.requests" && name !== undefined && !BENCH_OWN_CALLS.has(name)) doRequestsByMethod[name] = (doRequestsByMethod[name] ?? 0) + value / likes;
    }
    const ownCalls = [...BENCH_OWN_CALLS].reduce((n, name) => n + sum(counters, "*", "do.requests", name), 0);
    progress(`   ${likes} likes that changed the count, ${VIEWERS} viewers watching, meters settled: ${after.settled}`);
    return {
      likes,
      viewers: VIEWERS,
      settled: after.settled,
      perLike: {
        d1Statements: per(f.d1Statements),
        queueMessages: per(f.queueMessages),
        r2Writes: per(sum(counters, "*", "r2.put")),
        doRequests: per(f.doRequests - ownCalls),
        doAlarms: per(f.doAlarms),
        framesSent: per(frames),
        framesPerViewer: per(frames) / VIEWERS,
      },
      doRequestsByMethod,
      counters,
    };
  } finally {
    await server.stop();
  }
}

export function printCost(cost: CostResult): void {
  const p = cost.perLike;
  progress(`\nper like under the hot-target load (${cost.likes} likes, ${cost.viewers} viewers; docs/cost.md prices them):`);
  progress(`   D1 statements ${p.d1Statements.toFixed(4)}, queue messages ${p.queueMessages.toFixed(4)}, R2 writes ${p.r2Writes.toFixed(4)}`);
  progress(`   Durable Object requests ${p.doRequests.toFixed(3)} (alarms ${p.doAlarms.toFixed(4)}), socket frames ${p.framesSent.toFixed(2)} (${p.framesPerViewer.toFixed(3)} per viewer)`);
  for (const [method, n] of Object.entries(cost.doRequestsByMethod).sort((a, b) => b[1] - a[1])) progress(`      ${method}: ${n.toFixed(4)}`);
}
