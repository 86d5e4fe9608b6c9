// `npm run simulate`: many distinct users on many targets through the real REST API of a
// `wrangler dev` started with DEV_METERING=on, then what each write cost the platform, counted
// inside the Worker and its Durable Objects (workers/dev-metering.ts), per 1,000 likes and per
// 1,000 comments and reactions; then whether every count, every user's likes and the event
// lake agree with what the server acknowledged. docs/scale.md plans with these figures.
// Not part of CI or `npm test`. Speeds are printed as ratios to /health on the same server.
//
//   npm run simulate                 # 20,000 users, 2,000 targets, 60,000 likes, 20,000 comments+reactions
//   npm run simulate -- --small      # 1,000 users, 100 targets, 3,000 likes, 1,000 others (a 2-core box)
//   npm run simulate -- --small --write-doc   # also refresh the measured tables in docs/scale.md
//   npm run simulate -- --doc-from bench/results/simulate-<time>.json   # the same from a saved run
// Knobs: SIM_USERS SIM_TARGETS SIM_LIKES SIM_OTHER SIM_CONCURRENCY SIM_URL (a running server
// with DEV_METERING=on, signed with SIM_SECRET) SIM_SETTLE_MAX_S (default 180).
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { sign } from "hono/jwt";
import { z } from "zod";
import { UNLIMITED_RATES } from "../test/reliability/client";
import { startDevServer } from "../scripts/dev-server";
import { closedLoop } from "./http-load";
import { progress, SECRET } from "./common";
import { Acknowledged, COMMENTS_AND_REACTIONS, Driver, LIKES_ONLY, type Population } from "./simulate-load";
import { checkBatchCounts, checkLake, checkTargets, checkUserIndexes, type Verdict } from "./simulate-checks";
import { delta, FIGURE_LABELS, figures, readMetering, settle, type Counters, type Figures } from "./simulate-meter";
import { tierMarkdown } from "./simulate-tiers";

const args = new Set(process.argv.slice(2));
const SMALL = args.has("--small") || process.env.SIM_SMALL === "1";
const num = (name: string, big: number, small: number) => Number(process.env[name] ?? (SMALL ? small : big));
const USERS = num("SIM_USERS", 20_000, 1_000);
const TARGETS = num("SIM_TARGETS", 2_000, 100);
const LIKES = num("SIM_LIKES", 60_000, 3_000);
const OTHER = num("SIM_OTHER", 20_000, 1_000);
const CONCURRENCY = num("SIM_CONCURRENCY", 64, 12);
const SETTLE_MAX_MS = Number(process.env.SIM_SETTLE_MAX_S ?? 180) * 1_000;
/** Counters unchanged this long: queues drained, alarms done. */
const QUIET_MS = 6_000;
const SECRET_IN_USE = process.env.SIM_SECRET ?? SECRET;
const DOC = resolve(import.meta.dirname, "..", "docs", "scale.md");

interface Phase {
  name: string;
  unit: string;
  acknowledgedWrites: number;
  counters: Counters;
  figures: Figures;
  settled: boolean;
  /** Writes per second over /health requests per second, same server and clients. */
  speedVsHealth: number;
}

function commit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim() !== "";
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return "unknown";
  }
}

async function adminToken(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: "simulate-admin", roles: ["admin"], iat: now, exp: now + 6 * 3600 }, SECRET_IN_USE, "HS256");
}

async function phase(
  baseUrl: string,
  admin: string,
  driver: Driver,
  healthPerSecond: number,
  spec: { name: string; unit: string; total: number; mix: typeof LIKES_ONLY; writes: () => number },
): Promise<Phase> {
  const before = await settle(baseUrl, admin, QUIET_MS, SETTLE_MAX_MS);
  const writesBefore = spec.writes();
  progress(`${spec.name}: ${spec.total} requests, ${CONCURRENCY} clients ...`);
  const ms = await driver.run(spec.total, spec.mix, CONCURRENCY, spec.name);
  const writes = spec.writes() - writesBefore;
  progress(`  waiting for queues and alarms to finish (counters quiet for ${QUIET_MS / 1000} s) ...`);
  const after = await settle(baseUrl, admin, QUIET_MS, SETTLE_MAX_MS);
  if (after.isolate !== before.isolate) throw new Error("the runtime restarted during the phase: its counters were reset, the figures would be wrong");
  const counters = delta(after.counters, before.counters);
  return { name: spec.name, unit: spec.unit, acknowledgedWrites: writes, counters, figures: figures(counters), settled: after.settled, speedVsHealth: spec.total / (ms / 1000) / healthPerSecond };
}

function per1000(value: number, writes: number): string {
  return writes === 0 ? "n/a" : ((value * 1000) / writes).toFixed(1);
}

function printPhases(phases: Phase[]): void {
  progress(`\nPer 1,000 acknowledged writes (counted in the Worker and its Durable Objects):`);
  progress(`   ${"".padEnd(40)}${phases.map((p) => p.unit.padStart(22)).join("")}`);
  for (const key of Object.keys(FIGURE_LABELS) as (keyof Figures)[]) {
    progress(`   ${FIGURE_LABELS[key].padEnd(40)}${phases.map((p) => per1000(p.figures[key], p.acknowledgedWrites).padStart(22)).join("")}`);
  }
  progress(`   ${"speed, writes/s ÷ GET /health/s".padEnd(40)}${phases.map((p) => p.speedVsHealth.toFixed(2).padStart(22)).join("")}`);
  for (const p of phases) {
    if (!p.settled) progress(`   note: ${p.name} did not go quiet within ${SETTLE_MAX_MS / 1000} s; its figures miss the tail`);
    progress(`\n   ${p.name}: every counter (origin/kind/binding), per 1,000 ${p.unit}`);
    for (const [key, value] of Object.entries(p.counters).sort()) progress(`     ${key.padEnd(60)} ${per1000(value, p.acknowledgedWrites).padStart(9)}`);
  }
}

function printVerdicts(verdicts: Verdict[]): boolean {
  progress(`\nAgreement with what the server acknowledged:`);
  progress(`   ${"check".padEnd(58)} ${"checked".padStart(8)} ${"agree".padStart(8)} ${"skipped".padStart(8)}  verdict`);
  let ok = true;
  for (const v of verdicts) {
    const pass = v.note !== undefined ? "n/a" : v.agree === v.checked ? "ok" : "FAIL";
    if (pass === "FAIL") ok = false;
    progress(`   ${v.name.padEnd(58)} ${String(v.checked).padStart(8)} ${String(v.agree).padStart(8)} ${String(v.skipped).padStart(8)}  ${pass}`);
    if (v.note !== undefined) progress(`     ${v.note}`);
    for (const example of v.examples) progress(`     ${example}`);
  }
  return ok;
}

/** The tables docs/scale.md keeps between its simulate markers, refreshed by `--write-doc`. */
function markdown(phases: Phase[], meta: { commit: string; at: string; population: string }): string {
  const likes = phases.find((p) => p.unit === "likes");
  const lines = [
    `Measured by \`npm run simulate\` on commit \`${meta.commit}\`, ${meta.at}: ${meta.population}.`,
    "",
    `| per 1,000 acknowledged | ${phases.map((p) => p.unit).join(" | ")} |`,
    `|---|${phases.map(() => "---:").join("|")}|`,
    ...(Object.keys(FIGURE_LABELS) as (keyof Figures)[]).map((key) => `| ${FIGURE_LABELS[key].trim()} | ${phases.map((p) => per1000(p.figures[key], p.acknowledgedWrites)).join(" | ")} |`),
    "",
    "The seeds' like tiers with these per-like figures (formulas in \"How the tier table is computed\"):",
    "",
    likes === undefined || likes.acknowledgedWrites === 0 ? "(no likes were acknowledged in this run)" : tierMarkdown(likes.figures, likes.acknowledgedWrites),
  ];
  return lines.join("\n");
}

async function writeDoc(table: string): Promise<void> {
  const text = await readFile(DOC, "utf8");
  const begin = "<!-- simulate:begin -->";
  const end = "<!-- simulate:end -->";
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/scale.md has no ${begin} ... ${end} block`);
  await writeFile(DOC, `${text.slice(0, from + begin.length)}\n${table}\n${text.slice(to)}`);
  progress(`refreshed the measured table in ${DOC}`);
}

const SavedRun = z.object({
  commit: z.string(),
  at: z.string(),
  population: z.string(),
  phases: z.array(
    z.object({ name: z.string(), unit: z.string(), acknowledgedWrites: z.number(), counters: z.record(z.string(), z.number()), settled: z.boolean(), speedVsHealth: z.number() }),
  ),
});

/** `--doc-from <file>`: rewrites docs/scale.md's tables from a saved run, without running one. */
async function docFromSaved(file: string): Promise<void> {
  const saved = SavedRun.parse(JSON.parse(await readFile(file, "utf8")));
  // The figures are recomputed from the raw counters, so a saved run follows today's formulas.
  const phases = saved.phases.map((p) => ({ ...p, figures: figures(p.counters) }));
  await writeDoc(markdown(phases, saved));
}

async function main() {
  const from = process.argv.indexOf("--doc-from");
  if (from >= 0) return docFromSaved(process.argv[from + 1] ?? "");
  const population: Population = { users: USERS, targets: TARGETS, run: Date.now().toString(36) };
  const at = new Date().toISOString();
  // Taken before the run: wrangler dev bundles the code as it is now.
  const measuredOn = commit();
  const describe = `${USERS.toLocaleString("en")} users, ${TARGETS.toLocaleString("en")} targets, ${LIKES.toLocaleString("en")} like requests, ${OTHER.toLocaleString("en")} comment/reaction requests, ${CONCURRENCY} clients, ${availableParallelism()} cores`;
  progress(`simulate: ${describe}`);
  const existing = process.env.SIM_URL;
  if (existing === undefined) progress("starting wrangler dev with DEV_METERING=on ...");
  const server = existing
    ? { url: existing, stop: async () => {} }
    : await startDevServer({ localTraces: false, authSecret: SECRET_IN_USE, vars: { ...UNLIMITED_RATES, DEV_METERING: "on" } });
  const admin = await adminToken();
  const acked = new Acknowledged();
  const driver = new Driver(server.url, SECRET_IN_USE, population, acked);
  const verdicts: Verdict[] = [];
  const phases: Phase[] = [];
  try {
    if (!(await readMetering(server.url, admin)).installed) throw new Error("the server runs without DEV_METERING=on: nothing would be counted");
    const health = await closedLoop("GET /health", { concurrency: CONCURRENCY, seconds: 3 }, async () => (await fetch(`${server.url}/health`)).ok);
    phases.push(
      await phase(server.url, admin, driver, health.perSecond, {
        name: "likes and unlikes",
        unit: "likes",
        total: LIKES,
        mix: LIKES_ONLY,
        writes: () => acked.likeRequests - acked.refused - acked.unanswered,
      }),
    );
    const refusedBefore = acked.refused + acked.unanswered;
    phases.push(
      await phase(server.url, admin, driver, health.perSecond, {
        name: "comments and reactions",
        unit: "comments+reactions",
        total: OTHER,
        mix: COMMENTS_AND_REACTIONS,
        writes: () => acked.otherRequests - (acked.refused + acked.unanswered - refusedBefore),
      }),
    );
    printPhases(phases);
    progress(`\nrequests refused: ${acked.refused}, unanswered: ${acked.unanswered}; events acknowledged: ${JSON.stringify(acked.events)}`);
    progress("checking agreement (counts wait out the 2 s edge cache) ...");
    await new Promise((r) => setTimeout(r, 2_500));
    const readers = Math.max(4, Math.min(CONCURRENCY, 32));
    verdicts.push(...(await checkTargets(server.url, population, acked, readers)));
    verdicts.push(await checkBatchCounts(server.url, population, acked));
    verdicts.push(await checkUserIndexes(server.url, population, acked, readers));
    verdicts.push(await checkLake(server.url, population, acked, admin));
  } finally {
    await server.stop();
  }
  const agreed = printVerdicts(verdicts);
  const meta = { commit: measuredOn, at, population: describe };
  const dir = resolve(import.meta.dirname, "results");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `simulate-${at.replaceAll(":", "-")}.json`);
  await writeFile(file, JSON.stringify({ ...meta, phases, verdicts }, null, 2));
  progress(`\nwrote ${file}`);
  if (args.has("--write-doc")) await writeDoc(markdown(phases, meta));
  const d1 = phases.reduce((n, p) => n + p.figures.d1Statements, 0);
  progress(`\nverdict: ${agreed ? "everything acknowledged agrees" : "DISAGREEMENT (see above)"}; D1 statements on the write paths: ${d1 === 0 ? "0 (target met)" : `${d1} (target: 0)`}`);
  if (!agreed) process.exitCode = 1;
}

await main();
