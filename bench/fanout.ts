// Fan-out: time from one REST like to the LAST of N live sockets receiving the new count,
// against `wrangler dev` on loopback (run by bench/run.ts).
import WebSocket from "ws";
import { ServerFrame } from "../protocol/live";
import { DEFAULT_SOCKETS_PER_RELAY, MAX_SOCKETS_PER_OBJECT, RelaysResponse, type RelaySettings } from "../protocol/relays";
import { roundFigures, token, within } from "./common";

export const CONNECT_CONCURRENCY = 200;
/** Longer than the room's 100 ms broadcast interval, so each like is flushed on its own. */
export const GAP_BETWEEN_ROUNDS_MS = 150;
export const ROUND_TIMEOUT_MS = 10_000;

export interface Viewer {
  ws: WebSocket;
  lastSeq: number;
  lastCount: number;
  /** Every frame this socket received (counts, marks, viewer counts, hello). */
  frames: number;
}

/**
 * One socket; calls `onCount` for every count frame so the round can notice the last arrival.
 * The `ws` package (not Node's global WebSocket) keeps the client's per-frame cost well below
 * the server's, so the numbers describe the server's fan-out more than this process.
 */
export function openViewer(url: string, onCount: (viewer: Viewer) => void): Promise<Viewer> {
  return new Promise((resolveOpen, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const viewer: Viewer = { ws, lastSeq: -1, lastCount: -1, frames: 0 };
    const timer = setTimeout(() => reject(new Error("no hello within 30 s")), 30_000);
    ws.on("error", (error) => reject(error));
    ws.on("message", (data, isBinary) => {
      viewer.frames++;
      if (isBinary) return;
      const text = data.toString();
      const frame = ServerFrame.parse(JSON.parse(text));
      // Proves reading, as the client SDK does, so the room keeps the socket in full mode.
      if (frame.type === "mark") ws.send(JSON.stringify({ type: "seen", mark: frame.mark }));
      if (frame.type === "hello") {
        viewer.lastSeq = frame.seq;
        viewer.lastCount = frame.count;
        clearTimeout(timer);
        resolveOpen(viewer);
      } else if (frame.type === "count" && frame.seq > viewer.lastSeq) {
        viewer.lastSeq = frame.seq;
        viewer.lastCount = frame.count;
        onCount(viewer);
      }
    });
  });
}

export async function like(baseUrl: string, target: string, userToken: string): Promise<{ count: number; seq: number }> {
  const res = await fetch(`${baseUrl}/v1/likes`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${userToken}` },
    body: JSON.stringify({ target, action: "like" }),
  });
  if (!res.ok) throw new Error(`like failed: ${res.status} ${await res.text()}`);
  const body: unknown = await res.json();
  if (typeof body !== "object" || body === null || !("seq" in body) || !("count" in body)) throw new Error("unexpected like answer");
  return { count: Number(body.count), seq: Number(body.seq) };
}

/** Sets a target's relay settings through the admin route (docs/relays.md); answers its relays. */
export async function relaysRoute(baseUrl: string, target: string, settings?: RelaySettings): Promise<RelaysResponse> {
  const res = await fetch(`${baseUrl}/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
    method: settings === undefined ? "GET" : "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${await token("bench-admin", ["admin"])}` },
    ...(settings === undefined ? {} : { body: JSON.stringify(settings) }),
  });
  if (!res.ok) throw new Error(`relay settings answered ${res.status}: ${await res.text()}`);
  return RelaysResponse.parse(await res.json());
}

/**
 * Opens `n` sockets on a fresh target, runs `rounds` likes one after another and times each
 * until every socket has the new count. `afterConnect` runs once all sockets are open (the
 * memory probe uses it). With `relays`, the target's threshold is set first, so the sockets
 * past it are held by LiveRelay objects and every count goes room -> relay -> socket.
 */
export async function benchFanout(
  baseUrl: string,
  n: number,
  rounds: number,
  afterConnect: () => Promise<void> = async () => {},
  relays?: RelaySettings,
  /** Names the row instead of direct/relays (the no-proxy variant in bench/run.ts). */
  label?: string,
) {
  const ROUNDS = rounds;
  const mode = label ?? (relays === undefined ? "direct" : "relays");
  const target = `stream:bench-${mode}-${n}-${Date.now()}`;
  // Direct keeps every socket in the room whatever LIVE_RELAY_THRESHOLD says.
  await relaysRoute(baseUrl, target, relays ?? { threshold: MAX_SOCKETS_PER_OBJECT, perRelay: DEFAULT_SOCKETS_PER_RELAY });
  const wsUrl = `${baseUrl.replace("http:", "ws:")}/v1/targets/${encodeURIComponent(target)}/live`;
  let waitingFor: { seq: number; remaining: number; done: () => void; firstAt: number | null } | null = null;
  const onCount = (viewer: Viewer) => {
    if (!waitingFor || viewer.lastSeq < waitingFor.seq) return;
    waitingFor.firstAt ??= performance.now();
    if (--waitingFor.remaining === 0) waitingFor.done();
  };

  const connectStart = performance.now();
  const viewers: Viewer[] = [];
  for (let i = 0; i < n; i += CONNECT_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, () => openViewer(wsUrl, onCount));
    viewers.push(...(await Promise.all(batch)));
  }
  const connectMs = performance.now() - connectStart;
  // Where the sockets landed: the room's own and each relay's (both 0 relays when direct).
  const placement = await relaysRoute(baseUrl, target);
  const onRelays = placement.relays.reduce((sum, relay) => sum + relay.sockets, 0);
  process.stdout.write(
    `N=${n} ${mode}: ${n} sockets connected in ${(connectMs / 1000).toFixed(1)} s (room ${placement.roomSockets}, ${placement.relays.length} relays ${onRelays})\n`,
  );
  if (placement.roomSockets + onRelays !== n) throw new Error(`N=${n} ${mode}: room and relays hold ${placement.roomSockets + onRelays} sockets, not ${n}`);
  // Let the viewer-count broadcasts of the join storm settle before measuring.
  await new Promise((r) => setTimeout(r, 1_000));
  await afterConnect();

  const tokens = await Promise.all(Array.from({ length: ROUNDS + 1 }, (_, i) => token(`bench-${n}-${i}`)));
  const latencies: number[] = [];
  const firsts: number[] = [];
  // Every round is a new user's like, so the room's seq moves by exactly one per round.
  let expected = { count: viewers[0]?.lastCount ?? 0, seq: viewers[0]?.lastSeq ?? 0 };
  for (let round = 0; round <= ROUNDS; round++) {
    await new Promise((r) => setTimeout(r, GAP_BETWEEN_ROUNDS_MS));
    const seq = expected.seq + 1;
    const allReceived = new Promise<void>((done) => {
      waitingFor = { seq, remaining: n, done, firstAt: null };
    });
    const startedAt = performance.now();
    expected = await like(baseUrl, target, tokens[round] ?? "");
    if (expected.seq !== seq) throw new Error(`expected seq ${seq}, the like answered ${expected.seq}`);
    if (!(await within(allReceived, ROUND_TIMEOUT_MS))) {
      const missing = viewers.filter((v) => v.lastSeq < seq).length;
      throw new Error(`N=${n} round ${round}: ${missing} sockets never got seq ${seq}`);
    }
    const ms = performance.now() - startedAt;
    const firstAt: number | null = (waitingFor as { firstAt: number | null } | null)?.firstAt ?? null;
    waitingFor = null;
    if (round === 0) continue; // warm-up: the room's first write after the join storm
    latencies.push(ms);
    firsts.push((firstAt ?? performance.now()) - startedAt);
    if (round % 10 === 0 || round === ROUNDS) process.stdout.write(`N=${n} ${mode}: round ${round}/${ROUNDS} last ${ms.toFixed(1)} ms\n`);
  }

  const wrong = viewers.filter((v) => v.lastCount !== expected.count || v.lastSeq !== expected.seq).length;
  for (const viewer of viewers) viewer.ws.close(1000, "bench done");
  return {
    n,
    mode,
    roomSockets: placement.roomSockets,
    relays: placement.relays.length,
    connectSeconds: connectMs / 1000,
    ...roundFigures(latencies, firsts),
    finalCount: expected.count,
    socketsWithWrongFinalCount: wrong,
  };
}

