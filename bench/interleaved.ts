// Fan-out, room against floor (issue 20): N sockets on a room and N on the bench's floor object
// (durable-objects/bench/bench-floor.ts), all on the runtime's own port of ONE wrangler dev, so
// both sides share a process and its history. Rounds alternate, room then floor, so whatever
// the machine does meanwhile lands on both; each round times a trigger until the LAST socket
// has the new seq.
import WebSocket from "ws";
import { MAX_SOCKETS_PER_OBJECT, DEFAULT_SOCKETS_PER_RELAY } from "../protocol/relays";
import { percentile, token, within } from "./common";
import { CONNECT_CONCURRENCY, GAP_BETWEEN_ROUNDS_MS, ROUND_TIMEOUT_MS, like, openViewer, relaysRoute, type Viewer } from "./fanout";

export interface SideFigures {
  rounds: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface InterleavedRun {
  n: number;
  run: number;
  room: SideFigures;
  floor: SideFigures;
  /** Every measured round in order (ms), so a tail can be matched with what ran beside it. */
  roomMs: number[];
  floorMs: number[];
}

function figures(ms: readonly number[]): SideFigures {
  const sorted = [...ms].sort((a, b) => a - b);
  return { rounds: ms.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1) ?? Number.NaN };
}

type Waiting = { seq: number; remaining: number; done: () => void } | null;

/** The last-arrival wait both sides share: `arrived(seq)` per socket, `round(seq)` to wait for all. */
class Arrivals {
  private waiting: Waiting = null;
  constructor(private readonly n: number) {}
  arm(seq: number): Promise<void> {
    return new Promise((done) => (this.waiting = { seq, remaining: this.n, done }));
  }
  arrived(seq: number): void {
    if (this.waiting === null || seq < this.waiting.seq) return;
    if (--this.waiting.remaining === 0) {
      this.waiting.done();
      this.waiting = null;
    }
  }
  remaining(): number {
    return this.waiting?.remaining ?? 0;
  }
}

async function inBatches<T>(n: number, open: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += CONNECT_CONCURRENCY) out.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, open))));
  return out;
}

/** Opens n sockets on one fresh room target; answers a round function (one like each). */
export async function roomSide(runtime: string, n: number, label: string, target = `stream:bench-inter-${label}-${n}-${Date.now()}`) {
  await relaysRoute(runtime, target, { threshold: MAX_SOCKETS_PER_OBJECT, perRelay: DEFAULT_SOCKETS_PER_RELAY });
  const arrivals = new Arrivals(n);
  const viewers = await inBatches(n, () => openViewer(`${runtime.replace("http:", "ws:")}/v1/targets/${encodeURIComponent(target)}/live`, (v: Viewer) => arrivals.arrived(v.lastSeq)));
  let expected = { count: viewers[0]?.lastCount ?? 0, seq: viewers[0]?.lastSeq ?? 0 };
  let users = 0;
  return {
    target,
    round: async (): Promise<number> => {
      const userToken = await token(`inter-${label}-${n}-${users++}`);
      const all = arrivals.arm(expected.seq + 1);
      const startedAt = performance.now();
      expected = await like(runtime, target, userToken);
      if (!(await within(all, ROUND_TIMEOUT_MS))) throw new Error(`room N=${n}: ${arrivals.remaining()} sockets never got seq ${expected.seq}`);
      return performance.now() - startedAt;
    },
    wrong: () => viewers.filter((v) => v.lastSeq !== expected.seq || v.lastCount !== expected.count).length,
    frames: () => viewers.reduce((sum, v) => sum + v.frames, 0),
    close: () => viewers.forEach((v) => v.ws.close(1000, "bench done")),
  };
}

/** Opens n sockets on a fresh floor object; answers a round function (one fire each). */
export async function floorSide(runtime: string, n: number, label: string) {
  const name = `inter-${label}-${n}-${Date.now()}`;
  const arrivals = new Arrivals(n);
  const lastSeq: number[] = [];
  const sockets = await inBatches(
    n,
    () =>
      new Promise<WebSocket>((opened, failed) => {
        const index = lastSeq.push(0) - 1;
        const ws = new WebSocket(`${runtime.replace("http:", "ws:")}/v1/dev/bench/floor/${name}/live`, { perMessageDeflate: false });
        ws.on("error", failed);
        ws.on("message", (data) => {
          const frame = JSON.parse(data.toString()) as { type?: unknown; seq?: unknown };
          if (frame.type === "hello") return opened(ws);
          if (frame.type !== "count" || typeof frame.seq !== "number") return;
          lastSeq[index] = frame.seq;
          arrivals.arrived(frame.seq);
        });
      }),
  );
  const admin = await token("bench-admin", ["admin"]);
  let seq = 0;
  return {
    round: async (): Promise<number> => {
      seq++;
      const all = arrivals.arm(seq);
      const startedAt = performance.now();
      const res = await fetch(`${runtime}/v1/dev/bench/floor/fire`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
        body: JSON.stringify({ name, seq }),
      });
      if (!res.ok) throw new Error(`floor fire answered ${res.status}: ${await res.text()}`);
      await res.body?.cancel();
      if (!(await within(all, ROUND_TIMEOUT_MS))) throw new Error(`floor N=${n}: ${arrivals.remaining()} sockets never got seq ${seq}`);
      return performance.now() - startedAt;
    },
    wrong: () => lastSeq.filter((s) => s !== seq).length,
    close: () => sockets.forEach((ws) => ws.close(1000, "bench done")),
  };
}

/**
 * `runs` runs of `rounds` rounds each, room and floor alternating, on sockets opened once per
 * size. One warm-up round per side first (the room's first write after the join storm).
 */
export async function interleavedFanout(
  runtime: string,
  n: number,
  rounds: number,
  runs: number,
  log: (line: string) => void,
): Promise<{ runs: InterleavedRun[]; roomWrong: number; floorWrong: number }> {
  const startedAt = performance.now();
  const room = await roomSide(runtime, n, "room");
  const floor = await floorSide(runtime, n, "floor");
  log(`N=${n}: ${n} room + ${n} floor sockets open in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 1_000));
  const pause = () => new Promise((r) => setTimeout(r, GAP_BETWEEN_ROUNDS_MS));
  await pause();
  await room.round();
  await pause();
  await floor.round();
  const out: InterleavedRun[] = [];
  for (let run = 1; run <= runs; run++) {
    const roomMs: number[] = [];
    const floorMs: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Room first on odd rounds, floor first on even ones: neither side always follows the other.
      const order = round % 2 === 1 ? [room, floor] : [floor, room];
      for (const side of order) {
        await pause();
        (side === room ? roomMs : floorMs).push(await side.round());
      }
      if (round % 50 === 0) log(`N=${n} run ${run}: round ${round}/${rounds}`);
    }
    const row = { n, run, room: figures(roomMs), floor: figures(floorMs), roomMs: roomMs.map((ms) => Math.round(ms * 10) / 10), floorMs: floorMs.map((ms) => Math.round(ms * 10) / 10) };
    log(`N=${n} run ${run}: room p50 ${row.room.p50Ms.toFixed(1)} p95 ${row.room.p95Ms.toFixed(1)} max ${row.room.maxMs.toFixed(1)} | floor p50 ${row.floor.p50Ms.toFixed(1)} p95 ${row.floor.p95Ms.toFixed(1)} max ${row.floor.maxMs.toFixed(1)} ms`);
    out.push(row);
  }
  const result = { runs: out, roomWrong: room.wrong(), floorWrong: floor.wrong() };
  room.close();
  floor.close();
  return result;
}
