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

interface RowsReading {
  since: string;
  rowsWritten: number;
  outboxBacklog: number;
}

/** The room's own count of SQLite rows written (storage.rowsWritten), with the life it belongs to. */
async function roomRows(url: string, admin: string, target: string): Promise<RowsReading> {
  const res = await fetch(`${url}/v1/admin/targets/${encodeURIComponent(target)}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
  if (!res.ok) throw new Error(`metrics answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { since: string; storage: { rowsWritten: number }; outbox: { backlog: number } };
  return { since: body.since, rowsWritten: body.storage.rowsWritten, outboxBacklog: body.outbox.backlog };
}

/** Reads until the room's outbox is empty (its shipments write rows too), asking often enough to keep it awake. */
async function roomRowsOnceShipped(url: string, admin: string, target: string, timeoutMs = 60_000): Promise<RowsReading> {
  const deadline = Date.now() + timeoutMs;
  let reading = await roomRows(url, admin, target);
  while (reading.outboxBacklog > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    reading = await roomRows(url, admin, target);
  }
  return reading;
}

/**
 * Rows written between the first reading and the last. The counter lives in the room's memory:
 * when a reading shows a new life (another `since`), that life counted from zero. Whatever the
 * old life wrote after its last reading is lost, which matters only where rows were being
 * written: not before the load (the meters had settled, so the old life was idle), but during
 * the settle after it (`lost` then says the figure is a lower bound).
 */
function rowsBetween(readings: readonly RowsReading[], idleBefore: number): { rows: number; lost: boolean } {
  let rows = 0;
  let lost = false;
  for (let i = 1; i < readings.length; i++) {
    const [before, after] = [readings[i - 1]!, readings[i]!];
    if (after.since === before.since) rows += after.rowsWritten - before.rowsWritten;
    else {
      rows += after.rowsWritten;
      if (i > idleBefore) lost = true;
    }
  }
  return { rows, lost };
}

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
    /** SQLite rows written in the room (its own meter, storage.rowsWritten), the outbox's later rows included. */
    roomRowsWritten: number;
  };
  /** True when the room restarted while it still wrote (during the settle), so some rows went uncounted. */
  roomRowsLowerBound: boolean;
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
  const server = await startDevServer({ localTraces: false, authSecret: SECRET, reuseWebBuild: true, vars: { ...UNLIMITED_RATES, DEV_METERING: "on" } });
  try {
    const admin = await token("bench-admin", ["admin"]);
    const viewers = await roomSide(server.url, VIEWERS, "cost");
    // The like that made the room: its first-write costs are not a hot like's.
    await viewers.round();
    const before = await settle(server.url, admin, 4_000, 60_000);
    // Counted where they arrive: the room's own counter lives in memory and restarts when the
    // room hibernates between the settle and the load.
    const framesBefore = viewers.frames();
    const rowsBefore = await roomRows(server.url, admin, viewers.target);
    const { changed } = await options.load(server.url, viewers.target, options.seconds);
    // Read right away, then once the outbox has shipped, while the room is awake: it may
    // hibernate during the settle, and its counter with it.
    const rowsAtEnd = await roomRows(server.url, admin, viewers.target);
    const rowsShipped = await roomRowsOnceShipped(server.url, admin, viewers.target);
    const after = await settle(server.url, admin, 6_000, 180_000);
    const roomRowsCount = rowsBetween([rowsBefore, rowsAtEnd, rowsShipped], 1);
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
        roomRowsWritten: per(roomRowsCount.rows),
      },
      roomRowsLowerBound: roomRowsCount.lost,
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
  progress(`   SQLite rows written in the room ${p.roomRowsWritten.toFixed(2)}${cost.roomRowsLowerBound ? " (the room restarted while its jobs still wrote: a lower bound)" : ""}`);
  for (const [method, n] of Object.entries(cost.doRequestsByMethod).sort((a, b) => b[1] - a[1])) progress(`      ${method}: ${n.toFixed(4)}`);
}
