// Issue 20's targets, each judged on the median of the bench's three runs. The names are the
// JSON's contract (bench/results/*.json `targets`): tools compare runs by them.
import type { InterleavedRun } from "./interleaved";

export const TARGETS = {
  fanout_p50_gap_ms_1000: { limit: 15, atLeast: false, digits: 1, says: "room p50 - floor p50 (ms), like/fire -> last of 1,000 sockets" },
  fanout_p50_gap_ms_4000: { limit: 15, atLeast: false, digits: 1, says: "room p50 - floor p50 (ms), like/fire -> last of 4,000 sockets" },
  fanout_p95_vs_floor_4000: { limit: 1.3, atLeast: false, digits: 2, says: "room p95 / floor p95 at 4,000 sockets" },
  rss_per_socket_vs_floor: { limit: 1.15, atLeast: false, digits: 2, says: "runtime RSS per socket, room / floor, fresh processes" },
  hot_http_vs_health: { limit: 0.55, atLeast: true, digits: 2, says: "likes/s on one hot target / GET /health req/s" },
  rpc_vs_bare_object: { limit: 0.7, atLeast: true, digits: 2, says: "room likes/s / bare object likes/s, batched RPC" },
  sharded_vs_single: { limit: 0.5, atLeast: true, digits: 2, says: "target sharded N=4 likes/s / one room likes/s" },
  index_convergence_p99_ms: { limit: 2000, atLeast: false, digits: 0, says: "p99 of (index applied - room acknowledged), hot-target likes" },
} as const;

export type TargetName = keyof typeof TARGETS;

export interface Target {
  name: TargetName;
  value: number | null;
  limit: number;
  met: boolean | null;
}

export function median(values: readonly number[]): number | null {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

interface Report {
  http?: { ratio: number; convergence: { p99Ms: number } }[];
  rpc?: { roomVsBare: number; shardedVsSingle: number }[];
  fanout?: InterleavedRun[];
  rss?: { ratio: number }[];
}

/** Every target, measured or not (value null when its section was skipped). */
export function judge(report: Report): Target[] {
  const atSize = (n: number) => (report.fanout ?? []).filter((run) => run.n === n);
  const values: Record<TargetName, number | null> = {
    fanout_p50_gap_ms_1000: median(atSize(1000).map((r) => r.room.p50Ms - r.floor.p50Ms)),
    fanout_p50_gap_ms_4000: median(atSize(4000).map((r) => r.room.p50Ms - r.floor.p50Ms)),
    fanout_p95_vs_floor_4000: median(atSize(4000).map((r) => r.room.p95Ms / r.floor.p95Ms)),
    rss_per_socket_vs_floor: median((report.rss ?? []).map((r) => r.ratio)),
    hot_http_vs_health: median((report.http ?? []).map((r) => r.ratio)),
    rpc_vs_bare_object: median((report.rpc ?? []).map((r) => r.roomVsBare)),
    sharded_vs_single: median((report.rpc ?? []).map((r) => r.shardedVsSingle)),
    index_convergence_p99_ms: median((report.http ?? []).map((r) => r.convergence.p99Ms)),
  };
  return (Object.keys(TARGETS) as TargetName[]).map((name) => {
    const { limit, atLeast } = TARGETS[name];
    const value = values[name];
    return { name, value, limit, met: value === null ? null : atLeast ? value >= limit : value <= limit };
  });
}
