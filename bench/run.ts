// `npm run bench`: the numbers issue 7 asks for, measured in ONE run against `wrangler dev` on
// loopback, so they can be compared as ratios on a noisy machine:
//   1. HTTP: /health (the no-op ceiling), likes on one hot target, likes over 1,000 targets;
//   2. likes one Durable Object absorbs through batched RPC (no HTTP), and a target sharded 4 ways;
//   3. fan-out latency from a like to the last of N sockets (N = 100, 1,000, 4,000);
//   4. workerd memory per connected socket.
// Every section ends by checking that the counts it produced are exact.
//      Each size is measured direct (every socket in the room), direct without wrangler dev's proxy
//      workerd (sockets to the runtime's own port, as deployed), and through relays (docs/relays.md).
// Knobs: BENCH_SECONDS=5 BENCH_CONCURRENCY=32 BENCH_RPC_LIKES=200000 BENCH_SHARDED_LIKES=20000 BENCH_SIZES=100,1000,4000
//   5. the fan-out floor: the same fan-out and memory against bench/floor, a Durable Object that
//      only sends, on its own wrangler dev (port BENCH_PORT + 1): what this machine allows at all.
// BENCH_ROUNDS=40 BENCH_PORT=8788 BENCH_SKIP=fanout,http,rpc,shards,relays,no-proxy,floor BENCH_RELAY_THRESHOLD=0 BENCH_RELAY_PER=1000
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { startDevServer } from "../scripts/dev-server";
import { benchFanout } from "./fanout";
import { benchFloor, type FloorResult } from "./floor";
import { closedLoop, type LoadResult } from "./http-load";
import { workerdRssBytes } from "./memory";
import { waitForQuietRuntime } from "./quiet";
import { runtimeUrl } from "./runtime-url";
import { progress, SECRET, token } from "./common";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const RPC_LIKES = Number(process.env.BENCH_RPC_LIKES ?? 200_000);
/**
 * Smaller: a shard still asks the room, one RPC per user, whether a first-time liker liked
 * before the target was sharded (docs/shards.md), which dominates this measurement.
 */
const SHARDED_LIKES = Number(process.env.BENCH_SHARDED_LIKES ?? 20_000);
const SIZES = (process.env.BENCH_SIZES ?? "100,1000,4000").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const PORT = Number(process.env.BENCH_PORT ?? 8788);
const SKIP = new Set((process.env.BENCH_SKIP ?? "").split(",").filter(Boolean));
/** The relay variant of the fan-out: room sockets before relays, and sockets per relay. */
const RELAYS = { threshold: Number(process.env.BENCH_RELAY_THRESHOLD ?? 0), perRelay: Number(process.env.BENCH_RELAY_PER ?? 1_000) };
/** Signed up front so signing does not compete with the load for this process's CPU. */
const TOKEN_POOL = Number(process.env.BENCH_TOKENS ?? 60_000);

const TARGETS = {
  hotVsHealth: 0.5,
  rpcLikesPerSecond: 50_000,
  fanoutP99MsAt4000: 200,
  bytesPerSocket: 10 * 1024,
};

interface Check {
  name: string;
  expected: number;
  actual: number;
}

async function postLike(baseUrl: string, target: string, userToken: string): Promise<{ ok: boolean; changed: boolean }> {
  const res = await fetch(`${baseUrl}/v1/likes`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${userToken}` },
    body: JSON.stringify({ target, action: "like" }),
  });
  const body = (await res.json()) as { changed?: boolean };
  return { ok: res.ok, changed: res.ok && body.changed === true };
}

async function batchCounts(baseUrl: string, targets: readonly string[]): Promise<number> {
  let sum = 0;
  for (let i = 0; i < targets.length; i += 100) {
    const res = await fetch(`${baseUrl}/v1/counts/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ targets: targets.slice(i, i + 100) }),
    });
    const body = (await res.json()) as { counts: Record<string, number> };
    sum += Object.values(body.counts).reduce((a, b) => a + b, 0);
  }
  return sum;
}

async function roomCount(baseUrl: string, target: string): Promise<number> {
  // The stats route reads the room (edge-cached for 1 s): wait out the cache first.
  await new Promise((r) => setTimeout(r, 1_200));
  const res = await fetch(`${baseUrl}/v1/targets/${encodeURIComponent(target)}/count`);
  return ((await res.json()) as { count: number }).count;
}

async function httpSection(baseUrl: string, checks: Check[]): Promise<LoadResult[]> {
  progress(`signing ${TOKEN_POOL} tokens ...`);
  const tokens = await Promise.all(Array.from({ length: TOKEN_POOL }, (_, i) => token(`load-${i}`)));
  let used = 0;
  const nextToken = () => tokens[used++ % tokens.length]!;
  const options = { concurrency: CONCURRENCY, seconds: SECONDS };

  const health = await closedLoop("GET /health", options, async () => (await fetch(`${baseUrl}/health`)).ok);

  const hot = `post:bench-hot-${Date.now()}`;
  let hotChanged = 0;
  const hotResult = await closedLoop("POST /v1/likes, one hot target", options, async () => {
    const answer = await postLike(baseUrl, hot, nextToken());
    if (answer.changed) hotChanged++;
    return answer.ok;
  });
  checks.push({ name: "hot target count = likes that changed it", expected: hotChanged, actual: await roomCount(baseUrl, hot) });

  const many = Array.from({ length: 1_000 }, (_, i) => `post:bench-many-${Date.now()}-${i}`);
  let manyChanged = 0;
  const manyResult = await closedLoop("POST /v1/likes, 1,000 targets", options, async (i) => {
    const answer = await postLike(baseUrl, many[i % many.length]!, nextToken());
    if (answer.changed) manyChanged++;
    return answer.ok;
  });
  // Batch counts are the rooms' (edge-cached a moment): poll until they settle.
  let sum = -1;
  for (let attempt = 0; attempt < 30 && sum !== manyChanged; attempt++) {
    await new Promise((r) => setTimeout(r, 1_000));
    sum = await batchCounts(baseUrl, many);
  }
  checks.push({ name: "sum of 1,000 batch counts (rooms) = likes that changed them", expected: manyChanged, actual: sum });
  if (used > tokens.length) progress(`note: ${used} likes reused ${used - tokens.length} tokens (answered changed: false)`);
  return [health, hotResult, manyResult];
}

async function rpcSection(baseUrl: string, checks: Check[], shards?: number) {
  const target = `post:bench-rpc-${shards ?? 0}-${Date.now()}`;
  const total = shards === undefined ? RPC_LIKES : SHARDED_LIKES;
  progress(`batched RPC: ${total} likes into ${shards === undefined ? "one room" : `a target sharded ${shards} ways`} ...`);
  // The route answers only on loopback, in development, and to an admin token.
  const res = await fetch(`${baseUrl}/v1/dev/bench/rpc-likes`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await token("bench-admin", ["admin"])}` },
    body: JSON.stringify({ target, total, batch: 1_000, concurrency: shards === undefined ? 2 : 4, ...(shards === undefined ? {} : { shards }) }),
  });
  if (!res.ok) throw new Error(`rpc-likes answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { likes: number; rpcs: number; elapsedMs: number; count: number };
  // A sharded room's count is the sum of shard reports, which land just after each batch.
  const count = shards === undefined ? body.count : await settledCount(baseUrl, target, body.likes);
  checks.push({ name: `batched-RPC ${shards === undefined ? "room" : `N=${shards} sharded`} count = likes sent`, expected: body.likes, actual: count });
  return { likes: body.likes, rpcs: body.rpcs, elapsedMs: body.elapsedMs, perSecond: body.likes / (body.elapsedMs / 1000) };
}

async function settledCount(baseUrl: string, target: string, expected: number): Promise<number> {
  let count = -1;
  for (let attempt = 0; attempt < 20 && count !== expected; attempt++) count = await roomCount(baseUrl, target);
  return count;
}

async function main() {
  const existing = process.env.BENCH_URL;
  if (!existing) progress(`starting wrangler dev on 127.0.0.1:${PORT} ...`);
  const server = existing
    ? { url: existing, stop: async () => {}, processGroup: null }
    : await startDevServer({ authSecret: SECRET, port: PORT });
  const checks: Check[] = [];
  const report: Record<string, unknown> = { at: new Date().toISOString(), seconds: SECONDS, concurrency: CONCURRENCY };
  try {
    // Each section starts on an idle runtime: the writes of the one before are still being
    // shipped (outboxes, the queue's consumer) for a while, on the same workerd thread.
    const settle = async (next: string) => {
      const waited = await waitForQuietRuntime(server.processGroup);
      if (waited > 2) progress(`(waited ${waited.toFixed(0)} s for the runtime to go idle before ${next})`);
    };
    if (!SKIP.has("http")) report.http = await httpSection(server.url, checks);
    if (!SKIP.has("rpc")) {
      await settle("the RPC section");
      report.rpc = await rpcSection(server.url, checks);
    }
    if (!SKIP.has("shards")) {
      await settle("the sharded section");
      report.sharded = await rpcSection(server.url, checks, 4);
    }
    if (!SKIP.has("fanout")) {
      await settle("fan-out");
      const fanout = [];
      // Sockets straight to the runtime workerd, as a deployment has no dev proxy in between.
      const runtime = SKIP.has("no-proxy") ? null : await runtimeUrl(server.processGroup);
      if (runtime === null && !SKIP.has("no-proxy")) progress("(the runtime's own port was not found: no no-proxy fan-out rows)");
      let memory: MemoryFigure | null = null;
      for (const n of SIZES) {
        const largest = n === Math.max(...SIZES);
        const probe = largest ? await memoryProbe(server.processGroup, n, (figure) => (memory = figure)) : undefined;
        const result = await benchFanout(server.url, n, ROUNDS, probe);
        checks.push({ name: `fan-out N=${n}: sockets with a wrong final count`, expected: 0, actual: result.socketsWithWrongFinalCount });
        fanout.push(result);
        await settle(`the next fan-out variant of N=${n}`);
        if (runtime !== null) {
          const unproxied = await benchFanout(runtime, n, ROUNDS, async () => {}, undefined, "no-proxy");
          checks.push({ name: `fan-out N=${n} without the dev proxy: sockets with a wrong final count`, expected: 0, actual: unproxied.socketsWithWrongFinalCount });
          fanout.push(unproxied);
          await settle(`the relay variant of N=${n}`);
        }
        if (SKIP.has("relays")) continue;
        const relayed = await benchFanout(server.url, n, ROUNDS, async () => {}, RELAYS);
        checks.push({ name: `fan-out N=${n} through relays: sockets with a wrong final count`, expected: 0, actual: relayed.socketsWithWrongFinalCount });
        fanout.push(relayed);
        await settle(`the next fan-out size`);
      }
      report.fanout = fanout;
      report.memory = memory;
    }
  } finally {
    await server.stop();
  }
  if (!SKIP.has("floor")) report.floor = await floorSection(checks);
  report.checks = checks;
  printReport(report);
  const dir = resolve(import.meta.dirname, "results");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replaceAll(":", "-")}.json`);
  await writeFile(file, JSON.stringify(report, null, 2));
  progress(`\nwrote ${file}`);
  if (checks.some((check) => check.expected !== check.actual)) {
    console.error("some counts are not exact");
    process.exitCode = 1;
  }
}

type MemoryFigure = { sockets: number; bytesPerSocket: number; devProxyBytesPerSocket: number };

/**
 * Takes the workerd processes' resident memory now, before `n` sockets open, and answers the
 * callback to run once they are open: it records the growth per socket.
 */
async function memoryProbe(processGroup: number | null, n: number, record: (figure: MemoryFigure) => void): Promise<() => Promise<void>> {
  const before = processGroup === null ? null : await workerdRssBytes(processGroup);
  return async () => {
    const after = before === null || processGroup === null ? null : await workerdRssBytes(processGroup);
    if (before === null || after === null) return;
    record({ sockets: n, bytesPerSocket: (after.runtime - before.runtime) / n, devProxyBytesPerSocket: (after.devProxy - before.devProxy) / n });
  };
}

/**
 * The floor on its own dev server, after the service's has stopped: the same sizes in the
 * same order (resident memory per socket depends on what the process did before), through
 * wrangler dev's proxy and straight to the runtime.
 */
async function floorSection(checks: Check[]): Promise<{ fanout: FloorResult[]; memory: MemoryFigure | null }> {
  progress(`starting the fan-out floor (bench/floor) on 127.0.0.1:${PORT + 1} ...`);
  const floor = await startDevServer({ authSecret: SECRET, port: PORT + 1, config: "bench/floor/wrangler.toml" });
  const fanout: FloorResult[] = [];
  let memory: MemoryFigure | null = null;
  try {
    const runtime = await runtimeUrl(floor.processGroup);
    for (const n of SIZES) {
      const largest = n === Math.max(...SIZES);
      const probe = largest ? await memoryProbe(floor.processGroup, n, (figure) => (memory = figure)) : undefined;
      fanout.push(await benchFloor(floor.url, n, ROUNDS, "floor", probe));
      await waitForQuietRuntime(floor.processGroup);
      if (runtime !== null) fanout.push(await benchFloor(runtime, n, ROUNDS, "floor-np"));
      await waitForQuietRuntime(floor.processGroup);
    }
  } finally {
    await floor.stop();
  }
  for (const row of fanout) checks.push({ name: `floor N=${row.n} ${row.mode}: sockets without the last frame`, expected: 0, actual: row.socketsBehind });
  return { fanout, memory };
}

function printReport(report: Record<string, unknown>) {
  const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
  const http = report.http as LoadResult[] | undefined;
  if (http) {
    const health = http[0]!;
    progress(`\n1. HTTP on wrangler dev, ${CONCURRENCY} clients, ${SECONDS} s each`);
    progress("   scenario                           req/s    p50 ms   p99 ms  errors  vs /health");
    for (const row of http) {
      progress(
        `   ${row.name.padEnd(33)} ${fmt(row.perSecond, 0).padStart(7)} ${fmt(row.p50Ms).padStart(9)} ${fmt(row.p99Ms).padStart(8)} ${String(row.errors).padStart(7)}  ${fmt((row.perSecond / health.perSecond) * 100, 0)}%`,
      );
    }
    const hot = http[1]!;
    progress(`   target: hot target >= ${TARGETS.hotVsHealth * 100}% of /health -> ${hot.perSecond / health.perSecond >= TARGETS.hotVsHealth ? "met" : "MISSED"}`);
  }
  const rpc = report.rpc as { likes: number; rpcs: number; elapsedMs: number; perSecond: number } | undefined;
  if (rpc) {
    progress(`\n2. One Durable Object through batched RPC (1,000 likes per RPC, no HTTP)`);
    progress(`   ${rpc.likes} likes in ${rpc.rpcs} RPCs, ${fmt(rpc.elapsedMs, 0)} ms -> ${fmt(rpc.perSecond, 0)} likes/s (target >= ${TARGETS.rpcLikesPerSecond}: ${rpc.perSecond >= TARGETS.rpcLikesPerSecond ? "met" : "MISSED"})`);
  }
  const sharded = report.sharded as typeof rpc;
  if (sharded) {
    progress(`\n3. The same into a target sharded over N = 4 LikeShard objects (4 RPCs in flight)`);
    progress(`   ${sharded.likes} likes in ${sharded.rpcs} batches, ${fmt(sharded.elapsedMs, 0)} ms -> ${fmt(sharded.perSecond, 0)} likes/s`);
  }
  type FanoutRow = { n: number; mode: string; roomSockets: number; relays: number; rounds: number; p50Ms: number; p99Ms: number; maxMs: number; firstP50Ms: number };
  const fanout = report.fanout as FanoutRow[] | undefined;
  if (fanout) {
    progress(`\n4. Fan-out: like -> last socket has the new count (direct: all in the room; relays: threshold ${RELAYS.threshold}, ${RELAYS.perRelay} per relay)`);
    progress("        N  mode      room  relays  rounds   p50 ms   p99 ms   max ms  first-p50");
    for (const r of fanout) {
      progress(
        `   ${String(r.n).padStart(6)}  ${r.mode.padEnd(8)} ${String(r.roomSockets).padStart(5)} ${String(r.relays).padStart(7)} ${String(r.rounds).padStart(7)} ${fmt(r.p50Ms).padStart(8)} ${fmt(r.p99Ms).padStart(8)} ${fmt(r.maxMs).padStart(8)} ${fmt(r.firstP50Ms).padStart(10)}`,
      );
    }
    for (const big of fanout.filter((r) => r.n === 4000)) {
      progress(`   target (${big.mode}): p99 at 4,000 < ${TARGETS.fanoutP99MsAt4000} ms -> ${big.p99Ms < TARGETS.fanoutP99MsAt4000 ? "met" : "MISSED"}`);
    }
  }
  const memory = report.memory as MemoryFigure | null | undefined;
  if (memory) {
    progress(`\n5. workerd memory per socket at N=${memory.sockets}: ${fmt(memory.bytesPerSocket / 1024, 2)} KB in the runtime (target < ${TARGETS.bytesPerSocket / 1024} KB: ${memory.bytesPerSocket < TARGETS.bytesPerSocket ? "met" : "MISSED"})`);
    progress(`   plus ${fmt(memory.devProxyBytesPerSocket / 1024, 2)} KB in wrangler dev's proxy workerd, which relays every socket and does not exist in production`);
  } else if (fanout) {
    progress(`\n5. workerd memory per socket: not measured (no process group; BENCH_URL given?)`);
  }
  const floor = report.floor as { fanout: FloorResult[]; memory: MemoryFigure | null } | undefined;
  if (floor) {
    progress(`\n6. The floor: a Durable Object that only sends (bench/floor), same client, same sizes, after the service stopped`);
    progress("        N  mode                   rounds   p50 ms   p99 ms   max ms  first-p50");
    for (const r of floor.fanout) {
      progress(`   ${String(r.n).padStart(6)}  ${r.mode.padEnd(21)} ${String(r.rounds).padStart(7)} ${fmt(r.p50Ms).padStart(8)} ${fmt(r.p99Ms).padStart(8)} ${fmt(r.maxMs).padStart(8)} ${fmt(r.firstP50Ms).padStart(10)}`);
    }
    const floorMemory = floor.memory as MemoryFigure | null;
    if (floorMemory) {
      progress(`   memory per socket at N=${floorMemory.sockets}: ${fmt(floorMemory.bytesPerSocket / 1024, 2)} KB in the runtime, ${fmt(floorMemory.devProxyBytesPerSocket / 1024, 2)} KB in the dev proxy`);
    }
  }
  const checks = report.checks as Check[];
  progress(`\nexact counts:`);
  for (const check of checks) progress(`   ${check.expected === check.actual ? "ok  " : "FAIL"} ${check.name}: expected ${check.expected}, got ${check.actual}`);
}

await main();
