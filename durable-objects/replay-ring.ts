import { z } from "zod";
import { LiveEvent } from "../protocol/live";
import { Audience } from "./write-path/audience";

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
  /** Who may see it (write-path/audience.ts); absent: everyone. Stored with it; each socket is sent only what includes it. */
  audience?: Audience;
}

export type ReplayPlan = { kind: "replay"; events: RingEvent[] } | { kind: "resync" };

/**
 * One row per commit: `seq` is the row's last event's seq, `first_seq` its first, `at` its
 * newest event's time, `body` a JSON array of `[seq, at, event]` in seq order, `[seq, at, event,
 * audience]` for an event not meant for everyone (issue 21). Rows of the old
 * one-row-per-event shape become one-event rows, so a ring written before still replays.
 */
export const RING_ROWS_MIGRATION = `
  ALTER TABLE live_events RENAME TO live_events_by_event;
  CREATE TABLE live_events (seq INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
  INSERT INTO live_events (seq, first_seq, at, body)
    SELECT seq, seq, at, json_array(json_array(seq, at, json(body))) FROM live_events_by_event ORDER BY seq;
  DROP TABLE live_events_by_event;`;

/**
 * One stored row: `[seq, at, event]` in seq order, with a fourth element, the audience, only
 * when the event is not for everyone; a row written before audiences existed has none, and
 * its events are for everyone, as they were.
 */
export const RingRow = z.array(z.tuple([z.number().int().nonnegative(), z.number(), LiveEvent, Audience.optional()]));

/** The stored element of one event: the audience goes in only when there is one. */
export function ringElement({ seq, at, event, audience }: RingEvent): RingElement {
  return audience === undefined || audience === "everyone" ? [seq, at, event] : [seq, at, event, audience];
}
type RingElement = [number, number, LiveEvent] | [number, number, LiveEvent, Audience];

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

  /** One row for the whole commit, however many events it made. */
  append(emitted: readonly RingEvent[]): void {
    // Writers emit in seq order; a row that broke it would replay out of order, so make sure.
    const inOrder = emitted.every((entry, i) => i === 0 || emitted[i - 1]!.seq < entry.seq);
    const events = inOrder ? emitted : [...emitted].sort((a, b) => a.seq - b.seq);
    const first = events[0];
    const last = events[events.length - 1];
    if (first === undefined || last === undefined) return;
    let newest = first.at;
    for (const { at } of events) if (at > newest) newest = at;
    this.sql.exec(
      "INSERT INTO live_events (seq, first_seq, at, body) VALUES (?, ?, ?, ?)",
      last.seq,
      first.seq,
      newest,
      JSON.stringify(events.map(ringElement)),
    );
  }

  /**
   * Drops what no guarantee covers any more; called once per commit. Whole rows only: a row
   * goes when its last event is outside the newest REPLAY_MIN_EVENTS and its newest event is
   * older than REPLAY_MIN_AGE_MS (or its last event is beyond REPLAY_MAX_EVENTS), so the ring
   * may keep up to one commit's worth more than the bounds say, never less.
   */
  trim(lastSeq: number): void {
    this.sql.exec(
      "DELETE FROM live_events WHERE seq <= ? AND (at < ? OR seq <= ?)",
      lastSeq - REPLAY_MIN_EVENTS,
      this.now() - REPLAY_MIN_AGE_MS,
      lastSeq - REPLAY_MAX_EVENTS,
    );
  }

  /**
   * Everything after `since` (every audience: the caller filters per viewer), or resync when the ring cannot prove it holds every event
   * after it: trimmed away, written before the ring existed, or `since` ahead of the room.
   */
  plan(since: number, currentSeq: number): ReplayPlan {
    if (since === currentSeq) return { kind: "replay", events: [] };
    if (since > currentSeq) return { kind: "resync" };
    // Rows never overlap, so the first row's first event is the ring's oldest.
    const oldest = this.sql.exec<{ first_seq: number }>("SELECT first_seq FROM live_events ORDER BY seq LIMIT 1").toArray()[0];
    if (oldest === undefined || oldest.first_seq > since + 1) return { kind: "resync" };
    const events: RingEvent[] = [];
    for (const row of this.sql.exec<{ body: string }>("SELECT body FROM live_events WHERE seq > ? ORDER BY seq", since)) {
      for (const [seq, at, event, audience] of RingRow.parse(JSON.parse(row.body))) {
        if (seq > since) events.push(audience === undefined ? { seq, at, event } : { seq, at, event, audience });
      }
    }
    return { kind: "replay", events };
  }
}
