// The fan-out floor: the same measurement as bench/fanout.ts (a trigger, then the time until
// the LAST of N sockets has the new count) against bench/floor/worker.ts, a Durable Object that
// does nothing but send. Run beside the room in one `npm run bench`, it shows how much of the
// room's fan-out time is the room and how much is this machine's runtime.
import WebSocket from "ws";
import { ServerFrame } from "../protocol/live";
import { roundFigures, within } from "./common";
import { CONNECT_CONCURRENCY, GAP_BETWEEN_ROUNDS_MS, ROUND_TIMEOUT_MS } from "./fanout";

export type FloorResult = {
  n: number;
  mode: string;
  connectSeconds: number;
  /** Sockets that missed the last round's frame: must be 0. */
  socketsBehind: number;
} & ReturnType<typeof roundFigures>;

/** Opens `n` sockets on the floor at `baseUrl`, runs `rounds` + 1 (warm-up) sends and times each. */
export async function benchFloor(baseUrl: string, n: number, rounds: number, mode: string, afterConnect: () => Promise<void> = async () => {}): Promise<FloorResult> {
  const lastSeq: number[] = [];
  let waiting: { seq: number; remaining: number; done: () => void; firstAt: number | null } | null = null;
  const sockets: WebSocket[] = [];
  const connectStart = performance.now();
  for (let i = 0; i < n; i += CONNECT_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, (_, j) => {
      const index = i + j;
      lastSeq[index] = 0;
      return new Promise<void>((opened, failed) => {
        const ws = new WebSocket(`${baseUrl.replace("http:", "ws:")}/ws`, { perMessageDeflate: false });
        sockets.push(ws);
        ws.on("error", failed);
        ws.on("message", (data) => {
          const raw = JSON.parse(data.toString()) as { type?: unknown };
          if (raw.type === "hello") return opened();
          // The same per-frame work as the room's client: parse with the protocol's schema.
          const frame = ServerFrame.parse(raw);
          if (frame.type !== "count" || waiting === null || frame.seq !== waiting.seq) return;
          lastSeq[index] = frame.seq;
          waiting.firstAt ??= performance.now();
          if (--waiting.remaining === 0) waiting.done();
        });
      });
    });
    await Promise.all(batch);
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;
  process.stdout.write(`N=${n} ${mode}: ${n} sockets connected in ${connectSeconds.toFixed(1)} s\n`);
  await new Promise((r) => setTimeout(r, 1_000));
  await afterConnect();

  const latencies: number[] = [];
  const firsts: number[] = [];
  for (let seq = 1; seq <= rounds + 1; seq++) {
    await new Promise((r) => setTimeout(r, GAP_BETWEEN_ROUNDS_MS));
    const all = new Promise<void>((done) => (waiting = { seq, remaining: n, done, firstAt: null }));
    const startedAt = performance.now();
    const res = await fetch(`${baseUrl}/fire?seq=${seq}`);
    if (!res.ok) throw new Error(`floor /fire answered ${res.status}`);
    await res.body?.cancel();
    if (!(await within(all, ROUND_TIMEOUT_MS))) throw new Error(`floor N=${n} ${mode}: ${(waiting as { remaining: number } | null)?.remaining ?? "?"} sockets never got seq ${seq}`);
    const firstAt = (waiting as { firstAt: number | null } | null)?.firstAt ?? performance.now();
    if (seq > 1) {
      latencies.push(performance.now() - startedAt);
      firsts.push(firstAt - startedAt);
    }
  }
  const socketsBehind = lastSeq.filter((seq) => seq !== rounds + 1).length;
  for (const ws of sockets) ws.close(1000, "bench done");
  return { n, mode, connectSeconds, ...roundFigures(latencies, firsts), socketsBehind };
}
