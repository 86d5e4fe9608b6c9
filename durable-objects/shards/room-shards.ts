import { configOf, MAX_EPOCHS, ShardLayout, UNSHARDED, type ShardConfig } from "../../protocol/shards";
import { type ShardCountReport } from "../../protocol/internal/shard-rpc";
import type { RoomError } from "../../protocol/internal/room-rpc";
import type { RoomMeta } from "../room-meta";

const LAYOUT_KEY = "shards.layout";
/** Epochs up to this one have had every shard told it is closed. */
const CLOSED_THROUGH_KEY = "shards.closed_through";

/**
 * Schema the room adds for sharding (appended to ROOM_MIGRATIONS): each shard's latest count
 * report, and the room's own handoff markers as epoch 0's holder.
 */
export const ROOM_SHARDS_MIGRATION = `CREATE TABLE shard_counts (epoch INTEGER NOT NULL, k INTEGER NOT NULL, count INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (epoch, k)) WITHOUT ROWID;`;

/**
 * A room's side of sharding: the layout (which epoch, how many shards), and the sum of the
 * counts its shards reported. Writes run inside the room's transactions; the memory copies
 * are reloaded when one rolls back.
 */
export class RoomShards {
  private layout: ShardLayout;
  private sum: number;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
  ) {
    this.layout = this.readLayout();
    this.sum = this.readSum();
  }

  reload(): void {
    this.layout = this.readLayout();
    this.sum = this.readSum();
  }

  get config(): ShardConfig {
    return configOf(this.layout);
  }

  get sharded(): boolean {
    return this.config.n > 0;
  }

  /** Likes held by shards of every epoch, as last reported. */
  get count(): number {
    return this.sum;
  }

  /** A new N starts a new epoch; the same N again changes nothing. */
  setShardCount(n: number): { ok: true; config: ShardConfig; changed: boolean } | { ok: false; error: RoomError } {
    const current = this.config;
    if (current.n === n) return { ok: true, config: current, changed: false };
    if (current.epoch >= MAX_EPOCHS) {
      return { ok: false, error: { status: 409, code: "too_many_epochs", message: `the shard count of a target changes at most ${MAX_EPOCHS} times` } };
    }
    this.layout = [...this.layout, n];
    this.meta.set(LAYOUT_KEY, JSON.stringify(this.layout));
    return { ok: true, config: this.config, changed: true };
  }

  /** A report from a shard this target never had (a bug elsewhere) must not move the count. */
  knows(report: ShardCountReport): boolean {
    const n = this.layout[report.epoch];
    return n !== undefined && n > 0 && report.k < n;
  }

  /** Keeps the newest report per shard; true when the sum moved. */
  record(report: ShardCountReport): boolean {
    if (!this.knows(report)) return false;
    const written = this.sql.exec(
      `INSERT INTO shard_counts (epoch, k, count, seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (epoch, k) DO UPDATE SET count = excluded.count, seq = excluded.seq WHERE excluded.seq > shard_counts.seq`,
      report.epoch,
      report.k,
      report.count,
      report.seq,
    ).rowsWritten;
    if (written === 0) return false;
    const before = this.sum;
    this.sum = this.readSum();
    return this.sum !== before;
  }

  /** Shards of past epochs not yet told that they are closed (epoch 0 is the room itself). */
  epochsToClose(): { epoch: number; n: number }[] {
    const closedThrough = Number(this.meta.get(CLOSED_THROUGH_KEY) ?? 0);
    const open: { epoch: number; n: number }[] = [];
    for (let epoch = Math.max(1, closedThrough + 1); epoch < this.layout.length - 1; epoch++) open.push({ epoch, n: this.layout[epoch]! });
    return open;
  }

  markClosedThrough(epoch: number): void {
    const closedThrough = Number(this.meta.get(CLOSED_THROUGH_KEY) ?? 0);
    if (epoch > closedThrough) this.meta.set(CLOSED_THROUGH_KEY, String(epoch));
  }

  private readLayout(): ShardLayout {
    const stored = this.meta.get(LAYOUT_KEY);
    return stored === undefined ? UNSHARDED.layout : ShardLayout.parse(JSON.parse(stored));
  }

  private readSum(): number {
    return this.sql.exec<{ total: number | null }>("SELECT SUM(count) AS total FROM shard_counts").one().total ?? 0;
  }
}
