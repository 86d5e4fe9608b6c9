// Starts `wrangler dev` on loopback for the e2e tests and the benchmarks, with its own
// persistence directory so runs never share (or dirty) the developer's .wrangler/state.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { workerdProcesses } from "./workerd-processes";

const ROOT = resolve(import.meta.dirname, "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
const READY_TIMEOUT_MS = 90_000;
const DEV_SUBJECT_KEY_SECRET = "dev-subject-key-secret-for-local-servers-only";
/**
 * For hunting a flaky test (scripts/repeat-test.sh sets both): wrangler's log level (`log`
 * shows every console line of the Worker and its objects) and a file that keeps all of it,
 * timestamped, instead of only the last 20 KB kept for an error message.
 */
const LOG_LEVEL = process.env.DEV_LOG_LEVEL ?? "warn";
const LOG_FILE = process.env.DEV_LOG_FILE;

export interface DevServer {
  url: string;
  port: number;
  /** Process group of wrangler and the workerd it started (for memory probes). */
  processGroup: number | null;
  /** Folder of the local D1, Durable Object and queue state (see `persistTo`). */
  persistTo: string;
  /**
   * SIGKILLs the workerd processes of this server (not wrangler), as a crash would, and
   * answers their pids. Crash tests call it mid-load, then `stop()` and start again on the
   * same `persistTo`.
   */
  killRuntime(): Promise<number[]>;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  authSecret: string;
  /** Signs live tickets; default: a fresh random key per server (clients never need it). */
  liveTicketSecret?: string;
  /**
   * Keys subject hashes (deletion receipts, dead letters); default: one fixed development key,
   * so a server restarted on the same `persistTo` still finds its receipts.
   */
  subjectKeySecret?: string;
  /** wrangler's --log-level for this server (default DEV_LOG_LEVEL, else "warn"); "log" shows every console line. */
  logLevel?: string;
  /** Gets everything wrangler prints, as it comes (a test reading the Worker's log lines). */
  onOutput?: (text: string) => void;
  port?: number;
  /**
   * Keep state here across restarts (crash tests); it is then left in place by `stop()`.
   * Without it, each server gets a fresh temporary folder that `stop()` removes.
   */
  persistTo?: string;
  /**
   * Keep an existing dist/web instead of rebuilding it (built when missing). Rebuilding rewrites
   * the `[assets]` folder, and every other `wrangler dev` of this checkout reloads its Worker on
   * that, failing whatever it was serving: `npm run bench` starts fresh servers one after another.
   */
  reuseWebBuild?: boolean;
  /**
   * wrangler's local trace store (`X_LOCAL_OBSERVABILITY`, on by default in wrangler 4.155): it
   * streams a trace of every request, RPC and storage call to a collector Worker on the
   * runtime's only thread. The e2e suite reads it (test/e2e/secrets-in-logs.test.ts: no token in
   * any trace). The bench turns it off: a profile of a sharded run found 150 ms stalls in it
   * between the shards' calls, and deployed objects pay nothing of the kind (issue 20).
   */
  localTraces?: boolean;
  /** More `--var`s, e.g. higher rate limits so a load test measures the service, not the limiter. */
  vars?: Record<string, string>;
  /**
   * Another wrangler config, for a Worker with no assets and no D1 (the benchmark's fan-out
   * floor, bench/floor): the web build and the D1 migrations are skipped.
   */
  config?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Runs one SQL statement against the local D1 in `persistTo` with `wrangler d1 execute` and
 * answers its rows. Only with no dev server running on that folder: the tests read D1 this
 * way after stopping it, to check what reached disk.
 */
export async function queryLocalD1(persistTo: string, sql: string): Promise<unknown> {
  const output = await run(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql]);
  return JSON.parse(output);
}

function run(args: string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(WRANGLER, args, { cwd: ROOT, env: WRANGLER_ENV, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolveRun(stdout) : reject(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${output}`))));
  });
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev not healthy within ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

/**
 * wrangler refuses to start when the `[assets]` folder is missing, and the page it serves
 * should be the one in the repository: build the live page (client/web) into dist/web first.
 */
function buildWebAssets(): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "scripts", "build-web.mjs")], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolveBuild() : reject(new Error(`build-web exited ${code}:\n${output}`))));
  });
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (options.config === undefined && !(options.reuseWebBuild === true && existsSync(join(ROOT, "dist", "web", "index.html")))) await buildWebAssets();
  const ownsState = options.persistTo === undefined;
  const persistTo = options.persistTo ?? (await mkdtemp(join(tmpdir(), "engagement-dev-")));
  if (options.config === undefined) await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const env = { ...WRANGLER_ENV, X_LOCAL_OBSERVABILITY: options.localTraces === false ? "false" : "true" };
  const child = spawn(
    WRANGLER,
    [
      "dev",
      ...(options.config === undefined ? [] : ["--config", options.config]),
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", persistTo,
      "--var", `AUTH_SECRET:${options.authSecret}`,
      "--var", `LIVE_TICKET_SECRET:${options.liveTicketSecret ?? randomBytes(32).toString("hex")}`,
      "--var", `SUBJECT_KEY_SECRET:${options.subjectKeySecret ?? DEV_SUBJECT_KEY_SECRET}`,
      ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      "--show-interactive-dev-session=false",
      "--log-level", options.logLevel ?? LOG_LEVEL,
    ],
    // Its own process group, so stop() ends wrangler and the workerd it started, nothing else.
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    options.onOutput?.(chunk.toString());
    if (LOG_FILE !== undefined) appendFileSync(LOG_FILE, `[${new Date().toISOString()}] ${chunk.toString()}`);
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    if (ownsState) await rm(persistTo, { recursive: true, force: true });
  };

  // wrangler runs two workerd processes: a proxy on the public port and the runtime that
  // holds the Worker and its Durable Objects. A crash of the runtime is the fault that matters.
  const killRuntime = async () => {
    if (child.pid === undefined) return [];
    const pids = (await workerdProcesses(child.pid)).filter((p) => p.role === "runtime").map((p) => p.pid);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    return pids;
  };

  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop, killRuntime, persistTo, processGroup: child.pid ?? null };
}
