import type { Figures } from "./simulate-meter";

/**
 * docs/scale.md's tier table, computed from one simulation's per-like figures, so it is
 * refreshed with them (`npm run simulate -- --write-doc`). Every published limit used here is
 * cited in docs/scale.md; the traffic shapes are the seeds'.
 */
export const LIMITS = {
  /** Cloudflare's guidance for one Durable Object (docs/scale.md "Limits"). */
  objectRequestsPerSecond: 1_000,
  queueMessagesPerSecond: 5_000,
  /** A D1 database is single-threaded: ~1,000 queries/s at 1 ms each. */
  d1QueriesPerSecond: 1_000,
};

export interface Tier {
  name: string;
  likesPerSecond: number;
  activeTargets: number;
  /** Share of the likes on the one hottest target (a viral post). */
  hottestShare: number;
}

export const TIERS: Tier[] = [
  { name: "10K likes/s", likesPerSecond: 10_000, activeTargets: 10_000, hottestShare: 0.1 },
  { name: "100K likes/s", likesPerSecond: 100_000, activeTargets: 100_000, hottestShare: 0.1 },
  { name: "1M likes/s", likesPerSecond: 1_000_000, activeTargets: 1_000_000, hottestShare: 0.1 },
];

const whole = (n: number) => Math.round(n).toLocaleString("en");
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en") : n >= 10 ? n.toFixed(0) : n.toFixed(1));

/** One tier's load with per-like factors `f` (each a count per like, not per 1,000). */
export function tierRow(tier: Tier, f: Figures, likes: number) {
  const per = (value: number) => value / likes;
  const L = tier.likesPerSecond;
  const objectRequests = per(f.doRequests + f.doAlarms) * L;
  const hottest = tier.hottestShare * L;
  const load = {
    rooms: tier.activeTargets,
    objectRequestsPerSecond: objectRequests,
    perRoomRequestsPerSecond: objectRequests / tier.activeTargets,
    /** Each hot-target like is one request on its shard; the room itself keeps the rest. */
    shardsForHottest: Math.ceil(hottest / LIMITS.objectRequestsPerSecond),
    userIndexCallsPerSecond: per(f.userIndexCalls) * L,
    userIndexUpdatesPerSecond: per(f.userIndexUpdates) * L,
    queueMessagesPerSecond: per(f.queueMessages) * L,
    queues: Math.max(1, Math.ceil((per(f.queueMessages) * L) / LIMITS.queueMessagesPerSecond)),
    r2WritesPerSecond: per(f.r2Written) * L,
    d1StatementsPerSecond: per(f.d1Statements) * L,
  };
  // What one un-split resource would carry, as a multiple of its published rate.
  const pressures: [string, number][] = [
    ["one D1 database (~1,000 queries/s)", load.d1StatementsPerSecond / LIMITS.d1QueriesPerSecond],
    ["one queue (5,000 messages/s)", load.queueMessagesPerSecond / LIMITS.queueMessagesPerSecond],
    ["the hottest target's one room (~1,000 requests/s)", hottest / LIMITS.objectRequestsPerSecond],
  ];
  const [bindsFirst, over] = pressures.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { tier, load, bindsFirst: over > 1 ? `${bindsFirst}: ${over.toFixed(1)}x over` : "nothing un-split is over its limit" };
}

export function tierMarkdown(f: Figures, likes: number): string {
  const rows = TIERS.map((tier) => tierRow(tier, f, likes));
  const line = (label: string, cell: (row: ReturnType<typeof tierRow>) => string) => `| ${label} | ${rows.map(cell).join(" | ")} |`;
  return [
    `| at | ${rows.map((r) => r.tier.name).join(" | ")} |`,
    `|---|${rows.map(() => "---:").join("|")}|`,
    line("active targets = rooms (assumed 1 like/s each)", (r) => whole(r.load.rooms)),
    line("Durable Object requests/s (all, incl. alarms)", (r) => fmt(r.load.objectRequestsPerSecond)),
    line("  per average room", (r) => fmt(r.load.perRoomRequestsPerSecond)),
    line("shards for a target with 10% of the likes", (r) => whole(r.load.shardsForHottest)),
    line("user-index calls/s (user objects touched)", (r) => fmt(r.load.userIndexCallsPerSecond)),
    line("user-index updates/s", (r) => fmt(r.load.userIndexUpdatesPerSecond)),
    line("queue messages/s", (r) => fmt(r.load.queueMessagesPerSecond)),
    line("queues at 5,000 msg/s each (sharded by target hash)", (r) => whole(r.load.queues)),
    line("R2 objects written/s (each to its own key)", (r) => fmt(r.load.r2WritesPerSecond)),
    line("D1 statements/s (target: 0)", (r) => fmt(r.load.d1StatementsPerSecond)),
    line("binds first if left un-split", (r) => r.bindsFirst),
  ].join("\n");
}
