import { LiveEvent } from "../protocol/live";

/** The ring always keeps at least this many newest events... */
export const REPLAY_MIN_EVENTS = 1_000;
/** ...and everything younger than this, up to REPLAY_MAX_EVENTS. */
export const REPLAY_MIN_AGE_MS = 10 * 60 * 1000;
/** Bounds the ring (and one replay) in a very busy room; still far above REPLAY_MIN_EVENTS. */
export const REPLAY_MAX_EVENTS = 10_000;

export interface RingEvent {
  seq: number;
  at: number;
  event: LiveEvent;
}

export type ReplayPlan = { kind: "replay"; events: RingEvent[] } | { kind: "resync" };

/**
 * Recent room changes kept in the room's SQLite so a socket that reconnects with `since`
 * receives exactly what it missed. Rows are written in the same transaction as the change
 * itself, so the ring never holds an event that storage lost, nor misses one it kept.
 */
export class ReplayRing {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number = Date.now,
  ) {}

  /** One statement for the whole batch, however many events it made. */
  append(events: readonly RingEvent[]): void {
    if (events.length === 0) return;
    // `value -> 2` is the event's own JSON text: each event is encoded once, not once as a
    // string and again, escaped, inside the batch.
    this.sql.exec(
      `INSERT INTO live_events (seq, at, body) SELECT value ->> 0, value ->> 1, value -> 2 FROM json_each(?)`,
      JSON.stringify(events.map(({ seq, at, event }) => [seq, at, event])),
    );
  }

  /** Drops what no guarantee covers any more; called once per write batch, not per event. */
  trim(lastSeq: number): void {
    this.sql.exec(
      "DELETE FROM live_events WHERE seq <= ? AND (at < ? OR seq <= ?)",
      lastSeq - REPLAY_MIN_EVENTS,
      this.now() - REPLAY_MIN_AGE_MS,
      lastSeq - REPLAY_MAX_EVENTS,
    );
  }

  /**
   * Everything after `since`, or resync when the ring cannot prove it holds every event
   * after it: trimmed away, written before the ring existed, or `since` ahead of the room.
   */
  plan(since: number, currentSeq: number): ReplayPlan {
    if (since === currentSeq) return { kind: "replay", events: [] };
    if (since > currentSeq) return { kind: "resync" };
    const oldest = this.sql.exec<{ oldest: number | null }>("SELECT MIN(seq) AS oldest FROM live_events").one().oldest;
    if (oldest === null || oldest > since + 1) return { kind: "resync" };
    const events = this.sql
      .exec<{ seq: number; at: number; body: string }>("SELECT seq, at, body FROM live_events WHERE seq > ? ORDER BY seq", since)
      .toArray()
      .map((row) => ({ seq: row.seq, at: row.at, event: LiveEvent.parse(JSON.parse(row.body)) }));
    return { kind: "replay", events };
  }
}
