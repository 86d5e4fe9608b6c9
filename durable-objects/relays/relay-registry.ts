import type { RelayLoad } from "../../protocol/internal/relay-rpc";

/**
 * Schema a room adds for relays (a step of ROOM_MIGRATIONS): each relay the room ever opened,
 * with the open sockets it last reported. It survives the room's evictions, so a room that
 * wakes up still counts every relay's viewers and still pushes to the relays that have some.
 */
export const LIVE_RELAYS_TABLE = `CREATE TABLE live_relays (k INTEGER PRIMARY KEY, sockets INTEGER NOT NULL, version INTEGER NOT NULL);`;

/**
 * A room's relays and their load. Reports are kept only if newer (by version) than the one
 * stored. Upgrades on their way to a relay count in memory (`joining`), so a storm of joins
 * spreads over relays before any of them has reported.
 */
export class RelayRegistry {
  private readonly loads = new Map<number, RelayLoad>();
  private readonly joining = new Map<number, number>();
  private reported = 0;

  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<{ k: number; sockets: number; version: number }>("SELECT k, sockets, version FROM live_relays")) {
      this.loads.set(row.k, { sockets: row.sockets, version: row.version });
      this.reported += row.sockets;
    }
  }

  /** Viewers on relays, as last reported. */
  get sockets(): number {
    return this.reported;
  }

  /** True when the count moved. */
  record(k: number, load: RelayLoad): boolean {
    const known = this.loads.get(k);
    if (known !== undefined && known.version >= load.version) return false;
    this.sql.exec(
      "INSERT INTO live_relays (k, sockets, version) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET sockets = excluded.sockets, version = excluded.version",
      k,
      load.sockets,
      load.version,
    );
    this.loads.set(k, load);
    this.reported += load.sockets - (known?.sockets ?? 0);
    return load.sockets !== (known?.sockets ?? 0);
  }

  /**
   * The relay for the next viewer: the least loaded one with room below `perRelay` (lowest k
   * on a tie), else a new one after the highest k.
   */
  choose(perRelay: number): number {
    let best: { k: number; load: number } | null = null;
    let highest = -1;
    for (const k of this.indexes()) {
      highest = Math.max(highest, k);
      const load = this.load(k);
      if (load >= perRelay) continue;
      if (best === null || load < best.load || (load === best.load && k < best.k)) best = { k, load };
    }
    return best?.k ?? highest + 1;
  }

  startJoin(k: number): void {
    this.joining.set(k, (this.joining.get(k) ?? 0) + 1);
  }

  endJoin(k: number): void {
    const left = (this.joining.get(k) ?? 0) - 1;
    if (left > 0) this.joining.set(k, left);
    else this.joining.delete(k);
  }

  /** Relays that hold sockets or are about to: the ones the room pushes frames to. */
  active(): number[] {
    return this.indexes().filter((k) => this.load(k) > 0);
  }

  list(): { k: number; sockets: number }[] {
    return [...this.loads.entries()].sort(([a], [b]) => a - b).map(([k, load]) => ({ k, sockets: load.sockets }));
  }

  private load(k: number): number {
    return (this.loads.get(k)?.sockets ?? 0) + (this.joining.get(k) ?? 0);
  }

  private indexes(): number[] {
    return [...new Set([...this.loads.keys(), ...this.joining.keys()])];
  }
}
