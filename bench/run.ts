// `npm run bench` (issue 20): the room held to ratios against a floor measured beside it, in ONE
// wrangler dev where both sides must share a process (the floor is a class of the service's
// own Worker, durable-objects/bench/bench-floor.ts, reached only under /v1/dev/). Every target
// is the median of three runs; each section prints what it measures beside its target:
//   1. HTTP: one hot target against /health (same middleware), three runs interleaved, and the
//      user index's convergence under that load: p99 of (applied - acknowledged) per like;
//   2. batched RPC: one room against a bare object that inserts the same like rows in the same
//      batches, and the same target sharded N = 4 (same total, batch, concurrency);
//   3. fan-out at 1,000 and 4,000 sockets on the runtime's own port, room and floor round by
//      round (>= 200 rounds a run): p50, p95 and max per side;
//   4. runtime RSS per socket, room and floor, each in a fresh process with the same history;
//   5. what a like costs under the hot-target load, counted by the data-plane simulation's
//      meters (DEV_METERING=on, its own server so the meters never slow the timings).
// The run ends non-zero when a count is not exact. `--quick`: 40 rounds, smaller loads (~6 min).
// Knobs: BENCH_SECONDS BENCH_CONCURRENCY BENCH_RPC_LIKES BENCH_SIZES BENCH_ROUNDS BENCH_RSS_SOCKETS
// BENCH_VIEWERS BENCH_SKIP=http,rpc,fanout,rss,cost
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { startDevServer } from "../scripts/dev-server";
import { closedLoop, type LoadResult } from "./http-load";
import { floorSide, interleavedFanout, roomSide, type InterleavedRun } from "./interleaved";
import { workerdRssBytes } from "./memory";
import { waitForQuietRuntime } from "./quiet";
import { runtimeUrl } from "./runtime-url";
import { percentile, progress, SECRET, token } from "./common";
import { costSection, printCost, type CostResult } from "./cost";
import { TARGETS, judge, type Target } from "./targets";

const QUICK = process.argv.includes("--quick");
const num = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));
const RUNS = 3;
const SECONDS = num("BENCH_SECONDS", 6, 3);
const CONCURRENCY = num("BENCH_CONCURRENCY", 32, 32);
/**
 * Small on purpose: every like written here reaches the queue consumer, which then feeds one
 * user object per liker on the runtime's only thread. Before the consumer yielded between
 * user objects, 5,000 likes kept /health from answering for about 4.5 minutes on the shared
 * 2-core machine; it answers now, but the backlog still takes that long (README's bench section).
 */
const RPC_LIKES = num("BENCH_RPC_LIKES", 4_000, 2_000);
const RPC_BATCH = 1_000;
const RPC_CONCURRENCY = 4;
const SIZES = (process.env.BENCH_SIZES ?? "1000,4000").split(",").map(Number);
const ROUNDS = num("BENCH_ROUNDS", 200, 40);
const RSS_SOCKETS = num("BENCH_RSS_SOCKETS", 4_000, 1_000);
const SKIP = new Set((process.env.BENCH_SKIP ?? "").split(",").filter(Boolean));
/** Signed up front so signing does not compete with the load for this process's CPU. */
const TOKEN_POOL = num("BENCH_TOKENS", 40_000, 15_000);
const INDEX_ENTRIES_PER_CALL = 300;
/** Issue 20: the convergence p99 is taken over at least this many likes. */
const CONVERGENCE_LIKES = num("BENCH_CONVERGENCE_LIKES", 1_000, 300);
/** A section's leftover work (outboxes, queue consumer) must not land in the next one's timings. */
const QUIET_MAX_S = 90;

interface Check {
  name: string;
  expected: number;
  actual: number;
}

type Server = Awaited<ReturnType<typeof startDevServer>>;

async function adminHeaders(): Promise<Record<string, string>> {
  return { "content-type": "application/json", authorization: `Bearer ${await token("bench-admin", ["admin"])}` };
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

async function roomCount(baseUrl: string, target: string): Promise<number> {
  // The stats route reads the room (edge-cached for 1 s): wait out the cache first.
  await new Promise((r) => setTimeout(r, 1_200));
  const res = await fetch(`${baseUrl}/v1/targets/${encodeURIComponent(target)}/count`);
  return ((await res.json()) as { count: number }).count;
}

class Tokens {
  private used = 0;
  private constructor(private readonly pool: { userId: string; token: string }[]) {}
  static async sign(n: number, prefix: string): Promise<Tokens> {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    return new Tokens(await Promise.all(ids.map(async (userId) => ({ userId, token: await token(userId) }))));
  }
  next(): { userId: string; token: string } {
    return this.pool[this.used++ % this.pool.length]!;
  }
}

/** Hot-target load: returns the closed loop's figures and the users whose like changed the count. */
async function hotLoad(baseUrl: string, target: string, tokens: Tokens, seconds: number, name = "POST /v1/likes, one hot target"): Promise<{ load: LoadResult; changed: string[] }> {
  const changed: string[] = [];
  const load = await closedLoop(name, { concurrency: CONCURRENCY, seconds }, async () => {
    const user = tokens.next();
    const answer = await postLike(baseUrl, target, user.token);
    if (answer.changed) changed.push(user.userId);
    return answer.ok;
  });
  return { load, changed };
}

/** (applied - acknowledged) for every changed like, once the index holds them all (or 60 s). */
async function convergence(baseUrl: string, target: string, users: readonly string[]): Promise<{ lagsMs: number[]; missing: number }> {
  const headers = await adminHeaders();
  const lags = new Map<string, number>();
  const deadline = Date.now() + 60_000;
  while (lags.size < users.length && Date.now() < deadline) {
    const pending = users.filter((u) => !lags.has(u));
    // 300 ids keep the body under the API's 16 KB limit (workers/body-limits.ts).
    for (let i = 0; i < pending.length; i += INDEX_ENTRIES_PER_CALL) {
      const res = await fetch(`${baseUrl}/v1/dev/bench/index-entries`, { method: "POST", headers, body: JSON.stringify({ target, userIds: pending.slice(i, i + INDEX_ENTRIES_PER_CALL) }) });
      if (!res.ok) throw new Error(`index-entries answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { entries: ({ userId: string; liked: boolean; changedAt: number; appliedAt: number | null } | null)[] };
      for (const entry of body.entries) if (entry?.liked && entry.appliedAt !== null) lags.set(entry.userId, entry.appliedAt - entry.changedAt);
    }
    if (lags.size < users.length) await new Promise((r) => setTimeout(r, 1_000));
  }
  return { lagsMs: [...lags.values()], missing: users.length - lags.size };
}

async function httpSection(server: Server, checks: Check[]) {
  progress(`signing ${TOKEN_POOL} tokens ...`);
  const tokens = await Tokens.sign(TOKEN_POOL, `load-${Date.now()}`);
  const runs = [];
  for (let run = 1; run <= RUNS; run++) {
    const health = await closedLoop(`GET /health (run ${run})`, { concurrency: CONCURRENCY, seconds: SECONDS }, async () => {
      const res = await fetch(`${server.url}/health`);
      await res.body?.cancel();
      return res.ok;
    });
    const target = `post:bench-hot-${run}-${Date.now()}`;
    const { load: hot, changed } = await hotLoad(server.url, target, tokens, SECONDS, `POST /v1/likes, one hot target (run ${run})`);
    // Convergence is read over at least CONVERGENCE_LIKES likes, all under the same load: on a
    // slow machine the timed seconds alone give fewer, so the load goes on (untimed) until then.
    for (let topUp = 0; changed.length < CONVERGENCE_LIKES && topUp < 20; topUp++) {
      changed.push(...(await hotLoad(server.url, target, tokens, SECONDS, `hot target, more likes for the convergence sample (run ${run})`)).changed);
    }
    checks.push({ name: `hot run ${run}: room count = likes that changed it`, expected: changed.length, actual: await roomCount(server.url, target) });
    const { lagsMs, missing } = await convergence(server.url, target, changed);
    checks.push({ name: `hot run ${run}: user-index entries applied = likes that changed the room`, expected: changed.length, actual: changed.length - missing });
    const sorted = lagsMs.sort((a, b) => a - b);
    const row = { run, health, hot, ratio: hot.perSecond / health.perSecond, convergence: { likes: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN } };
    progress(`   run ${run}: /health ${health.perSecond.toFixed(0)}/s, hot ${hot.perSecond.toFixed(0)}/s (${row.ratio.toFixed(2)}x); index lag over ${sorted.length} likes p50 ${row.convergence.p50Ms} p99 ${row.convergence.p99Ms} max ${row.convergence.maxMs} ms`);
    runs.push(row);
    await waitForQuietRuntime(server.processGroup, QUIET_MAX_S);
  }
  return runs;
}

const RPC_KINDS = ["room", "bare", "sharded"] as const;
type RpcKind = (typeof RPC_KINDS)[number];

async function rpcRun(baseUrl: string, kind: RpcKind, run: number, checks: Check[]) {
  const target = `post:bench-rpc-${kind}-${run}-${Date.now()}`;
  const body = { target, total: RPC_LIKES, batch: RPC_BATCH, concurrency: RPC_CONCURRENCY, ...(kind === "bare" ? { into: "bare" } : {}), ...(kind === "sharded" ? { shards: 4 } : {}) };
  const res = await fetch(`${baseUrl}/v1/dev/bench/rpc-likes`, { method: "POST", headers: await adminHeaders(), body: JSON.stringify(body), signal: AbortSignal.timeout(600_000) });
  if (!res.ok) throw new Error(`rpc-likes (${kind}) answered ${res.status}: ${await res.text()}`);
  const answer = (await res.json()) as { likes: number; rpcs: number; elapsedMs: number; count: number };
  // A sharded room's count is the sum of shard reports, which land just after each batch.
  let count = answer.count;
  for (let attempt = 0; kind === "sharded" && attempt < 20 && count !== answer.likes; attempt++) count = await roomCount(baseUrl, target);
  checks.push({ name: `batched RPC run ${run}, ${kind}: count = likes sent`, expected: answer.likes, actual: count });
  return { kind, likes: answer.likes, elapsedMs: answer.elapsedMs, perSecond: answer.likes / (answer.elapsedMs / 1000) };
}

async function rpcSection(server: Server, checks: Check[]) {
  const runs = [];
  // One untimed run of each kind first (its counts still checked): the first room run of every
  // bench was cold (28-31k likes/s against 56-75k in the runs after it), which read as the room
  // being slower than it is, and made sharded/single look better than it is.
  for (const kind of RPC_KINDS) {
    await waitForQuietRuntime(server.processGroup, QUIET_MAX_S);
    const warm = await rpcRun(server.url, kind, 0, checks);
    progress(`   warm-up, ${kind}: ${warm.perSecond.toFixed(0)} likes/s (not counted)`);
  }
  for (let run = 1; run <= RUNS; run++) {
    const row: Record<RpcKind, Awaited<ReturnType<typeof rpcRun>>> = {} as never;
    for (const kind of RPC_KINDS) {
      // Each run starts from a quiet runtime, the same history for every kind. Back to back, the
      // 4,000 user objects a run's likes create downstream (the consumer works through them long
      // after a 70 ms room run) were built during the next kind's run: the sharded run, always after
      // the room's, measured 0.26-0.59x one room in one bench and 0.58x from a quiet runtime.
      await waitForQuietRuntime(server.processGroup, QUIET_MAX_S);
      row[kind] = await rpcRun(server.url, kind, run, checks);
      // Printed as it lands: a later kind that fails (a sharded run past undici's 300 s) must not take this one with it.
      progress(`   run ${run}, ${kind}: ${row[kind].perSecond.toFixed(0)} likes/s`);
    }
    progress(`   run ${run}: room ${row.room.perSecond.toFixed(0)}, bare ${row.bare.perSecond.toFixed(0)}, sharded N=4 ${row.sharded.perSecond.toFixed(0)} likes/s`);
    runs.push({ run, ...row, roomVsBare: row.room.perSecond / row.bare.perSecond, shardedVsSingle: row.sharded.perSecond / row.room.perSecond });
  }
  return runs;
}

/** Runtime RSS per socket for one side, in a fresh dev server: start, open n sockets, one round. */
async function rssOnce(side: "room" | "floor", n: number): Promise<number> {
  const server = await startDevServer({ authSecret: SECRET, reuseWebBuild: true, localTraces: false });
  try {
    const runtime = await runtimeUrl(server.processGroup);
    if (runtime === null || server.processGroup === null) throw new Error("the runtime's port was not found");
    // Nothing else ran in this process: both sides start from the same (empty) history.
    await waitForQuietRuntime(server.processGroup, QUIET_MAX_S);
    const before = await workerdRssBytes(server.processGroup);
    const opened = side === "room" ? await roomSide(runtime, n, "rss") : await floorSide(runtime, n, "rss");
    await opened.round();
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await workerdRssBytes(server.processGroup);
    opened.close();
    if (before === null || after === null) throw new Error("no workerd to measure");
    return (after.runtime - before.runtime) / n;
  } finally {
    await server.stop();
  }
}

async function rssSection() {
  const runs = [];
  for (let run = 1; run <= RUNS; run++) {
    progress(`RSS run ${run}: ${RSS_SOCKETS} sockets, room then floor, each in a fresh wrangler dev ...`);
    const room = await rssOnce("room", RSS_SOCKETS);
    const floor = await rssOnce("floor", RSS_SOCKETS);
    progress(`   run ${run}: room ${(room / 1024).toFixed(1)} KB, floor ${(floor / 1024).toFixed(1)} KB per socket (${(room / floor).toFixed(2)}x)`);
    runs.push({ run, roomBytesPerSocket: room, floorBytesPerSocket: floor, ratio: room / floor });
  }
  return runs;
}

async function main() {
  const checks: Check[] = [];
  const report: Record<string, unknown> = { at: new Date().toISOString(), quick: QUICK, runs: RUNS, seconds: SECONDS, concurrency: CONCURRENCY, rounds: ROUNDS };
  const wanted = (section: string) => !SKIP.has(section);
  if (wanted("http") || wanted("rpc") || wanted("fanout")) {
    progress("starting wrangler dev ...");
    const server = await startDevServer({ authSecret: SECRET, reuseWebBuild: true, localTraces: false });
    try {
      if (wanted("http")) {
        progress(`\n1. HTTP (${CONCURRENCY} clients, ${SECONDS} s a side, ${RUNS} runs) and the user index's convergence under that load`);
        report.http = await httpSection(server, checks);
      }
      if (wanted("fanout")) {
        const runtime = await runtimeUrl(server.processGroup);
        if (runtime === null) throw new Error("the runtime's own port was not found (Linux /proc needed)");
        const fanout: InterleavedRun[] = [];
        for (const n of SIZES) {
          await waitForQuietRuntime(server.processGroup, QUIET_MAX_S);
          progress(`\n3. Fan-out N=${n} on the runtime's port: like -> last socket (room) and fire -> last socket (floor), interleaved, ${RUNS} x ${ROUNDS} rounds`);
          const result = await interleavedFanout(runtime, n, ROUNDS, RUNS, progress);
          checks.push({ name: `fan-out N=${n}: room sockets with a wrong final count`, expected: 0, actual: result.roomWrong });
          checks.push({ name: `fan-out N=${n}: floor sockets without the last frame`, expected: 0, actual: result.floorWrong });
          fanout.push(...result.runs);
        }
        report.fanout = fanout;
      }
      // Last on this server: a sharded run leaves the runtime busy for minutes (shard reports,
      // the outbox and the consumer feeding thousands of user objects), which nothing after it must time.
      if (wanted("rpc")) {
        progress(`\n2. Batched RPC: ${RPC_LIKES} likes, ${RPC_BATCH} a batch, ${RPC_CONCURRENCY} in flight; room, bare object, target sharded N = 4`);
        try {
          report.rpc = await rpcSection(server, checks);
        } catch (error) {
          progress(`   the RPC section failed: ${String(error)}`);
          checks.push({ name: "batched RPC section completed", expected: 1, actual: 0 });
        }
      }
    } finally {
      await server.stop();
    }
  }
  if (wanted("rss")) {
    progress(`\n4. Runtime RSS per socket at N=${RSS_SOCKETS}, room and floor, each in a fresh process`);
    report.rss = await rssSection();
  }
  if (wanted("cost")) {
    progress(`\n5. What a like costs under the hot-target load (DEV_METERING=on, its own server)`);
    const tokens = await Tokens.sign(Math.min(TOKEN_POOL, 10_000), `cost-${Date.now()}`);
    report.cost = await costSection({ seconds: SECONDS, load: (url, target, seconds) => hotLoad(url, target, tokens, seconds, "POST /v1/likes, hot target, metered") }, checks);
  }
  report.checks = checks;
  report.targets = judge(report as never);
  printSummary(report);
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

function printSummary(report: Record<string, unknown>) {
  const targets = report.targets as Target[];
  progress(`\ntargets (median of ${RUNS} runs; limits from issue 20):`);
  for (const t of targets) {
    const spec = TARGETS[t.name as keyof typeof TARGETS];
    progress(`   ${t.met === null ? "n/a " : t.met ? "met " : "MISS"} ${t.name.padEnd(26)} ${t.value === null ? "not measured" : t.value.toFixed(spec.digits).padStart(9)}  limit ${spec.atLeast ? ">=" : "<="} ${t.limit}   ${spec.says}`);
  }
  if (report.cost) printCost(report.cost as CostResult);
  progress(`\nexact counts:`);
  for (const check of report.checks as Check[]) progress(`   ${check.expected === check.actual ? "ok  " : "FAIL"} ${check.name}: expected ${check.expected}, got ${check.actual}`);
}

await main();
