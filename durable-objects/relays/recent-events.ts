import type { Redaction } from "../../protocol/internal/relay-rpc";
import type { RingEvent } from "../replay-ring";
import { redactEvent } from "../ring-redaction";

/** Events a relay keeps in memory to catch a new socket up; far more than a join ever needs. */
export const RECENT_EVENTS = 1_000;

/**
 * The live events a relay delivered after `from`, newest last, so a socket whose hello is a
 * little older than what the relay has delivered gets the difference without a room RPC.
 */
export class RecentEvents {
  private events: RingEvent[] = [];

  constructor(private from: number | null) {}

  add(events: readonly RingEvent[]): void {
    if (events.length === 0) return;
    this.events.push(...events);
    if (this.events.length > RECENT_EVENTS) {
      const dropped = this.events.splice(0, this.events.length - RECENT_EVENTS);
      this.from = dropped[dropped.length - 1]!.seq;
    }
  }

  /** Forget everything: the relay jumped to `seq` without events in between to keep. */
  restart(seq: number | null): void {
    this.events = [];
    this.from = seq;
  }

  /** Tombstones in place of the events the room redacted (same seq), as in the room's ring. */
  redact(redaction: Redaction): number {
    let replaced = 0;
    this.events = this.events.map((entry) => {
      const tombstone = redactEvent(entry.event, redaction);
      if (tombstone === null) return entry;
      replaced++;
      return { ...entry, event: tombstone };
    });
    return replaced;
  }

  /** Every delivered event after `seq`, or null when some of them are no longer kept. */
  after(seq: number): RingEvent[] | null {
    if (this.from === null || this.from > seq) return null;
    return this.events.filter((entry) => entry.seq > seq);
  }
}
