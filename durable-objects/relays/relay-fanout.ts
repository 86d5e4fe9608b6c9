import { MAX_PUSH_REDACTIONS, type PushedEvent, type Redaction, type RelayAck, type RelayPush } from "../../protocol/internal/relay-rpc";
import type { LiveChanges } from "../live-broadcaster";
import type { RingEvent } from "../replay-ring";
import type { FrameMirror } from "../room-sockets";

/** Past this many events waiting for one relay, the room sends none and the relay reads its ring. */
export const MAX_PUSH_EVENTS = 1_000;
/** A push that failed is retried (merged with what came since) this many times, then dropped. */
const MAX_PUSH_ATTEMPTS = 5;
const RETRY_DELAY_MS = 100;

type Draft = Omit<RelayPush, "target" | "k">;

export interface RelayReceiver {
  receive(push: RelayPush): Promise<RelayAck>;
}

/** One relay's ordered stream: at most one push in flight, the rest merged into the next. */
class Lane {
  /** Every live event up to this seq has been put in a push to this relay (null: not known). */
  enqueued: number | null = null;
  private pending: Draft | null = null;
  private sending = false;
  private failures = 0;

  constructor(
    private readonly send: (draft: Draft) => Promise<RelayAck>,
    private readonly onDrop: (error: unknown, draft: Draft) => void,
  ) {}

  add(events: readonly RingEvent[], changes: LiveChanges, redaction?: Redaction): void {
    const draft = (this.pending ??= { after: this.enqueued, through: this.enqueued, events: [] });
    if (redaction !== undefined) addRedactions(draft, [redaction]);
    if (events.length > 0) {
      // Moderators are never on relays (socket-entry.ts): their events stay in the room, while
      // `through` still covers them, so the relay knows it misses nothing it should have.
      for (const entry of events) {
        const pushed = forRelays(entry);
        if (pushed !== null) draft.events.push(pushed);
      }
      draft.through = Math.max(draft.through ?? 0, events[events.length - 1]!.seq);
      if (draft.events.length > MAX_PUSH_EVENTS) {
        // Bounded memory for a relay that is far behind: it fetches these from the ring instead.
        draft.events = [];
        draft.after = null;
      }
    }
    if (changes.count !== undefined) draft.count = changes.count;
    if (changes.viewers !== undefined) draft.viewers = changes.viewers;
    this.enqueued = draft.through;
    if (!this.sending) void this.drain();
  }

  /** Events went out without this relay: its next push says it cannot vouch for what came before. */
  skipped(): void {
    this.enqueued = null;
  }

  /** A new socket on this relay got a hello at `seq`; the relay makes sure it holds everything up to it. */
  welcomed(seq: number): void {
    if (this.enqueued !== null && this.enqueued >= seq) return;
    this.enqueued = seq;
    if (this.pending !== null) this.pending.through = Math.max(this.pending.through ?? seq, seq);
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending !== null) {
        const draft = this.pending;
        this.pending = null;
        try {
          const ack = await this.send(draft);
          this.failures = 0;
          this.enqueued ??= ack.through;
        } catch (error) {
          if (++this.failures >= MAX_PUSH_ATTEMPTS) {
            // What the relay lacks now it reads from the ring: the next push's `after` shows the gap.
            this.failures = 0;
            this.onDrop(error, draft);
            // A dropped redaction must still reach the relay: the next push has it forget everything recent.
            if (draft.redactions !== undefined || draft.forgetRecent) {
              this.pending ??= { after: this.enqueued, through: this.enqueued, events: [] };
              delete this.pending.redactions;
              this.pending.forgetRecent = true;
            }
            continue;
          }
          this.pending = this.pending === null ? draft : merge(draft, this.pending);
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * this.failures));
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

/** The event as a relay may receive it, or null for one only moderators may see. */
export function forRelays({ seq, at, event, audience }: RingEvent): PushedEvent | null {
  if (audience === "moderators") return null;
  return audience === undefined ? { seq, at, event } : { seq, at, event, audience };
}

function merge(older: Draft, newer: Draft): Draft {
  const merged: Draft = {
    after: older.after,
    through: newer.through ?? older.through,
    events: [...older.events, ...newer.events],
  };
  const count = newer.count ?? older.count;
  const viewers = newer.viewers ?? older.viewers;
  if (count !== undefined) merged.count = count;
  if (viewers !== undefined) merged.viewers = viewers;
  if (older.forgetRecent || newer.forgetRecent) merged.forgetRecent = true;
  addRedactions(merged, [...(older.redactions ?? []), ...(newer.redactions ?? [])]);
  if (newer.after === null) merged.after = null;
  return merged;
}

/** Bounded like the events: past MAX_PUSH_REDACTIONS the relay forgets all its recent events, which always covers them. */
function addRedactions(draft: Draft, redactions: readonly Redaction[]): void {
  if (redactions.length === 0 || draft.forgetRecent) return;
  const all = [...(draft.redactions ?? []), ...redactions];
  if (all.length <= MAX_PUSH_REDACTIONS) {
    draft.redactions = all;
    return;
  }
  delete draft.redactions;
  draft.forgetRecent = true;
}

/**
 * The room's side of relay fan-out: every frame the room's own sockets get is pushed, in the
 * same order, to each active relay, each through its own lane (one RPC in flight per relay,
 * so frames never reorder and a slow relay does not hold up the others).
 */
export class RelayFanout implements FrameMirror {
  private readonly lanes = new Map<number, Lane>();

  constructor(
    private readonly active: () => number[],
    private readonly target: () => string,
    private readonly relay: (k: number) => RelayReceiver,
    private readonly onDrop: (k: number, error: unknown) => void,
  ) {}

  events(events: readonly RingEvent[]): void {
    const active = this.active();
    // A relay skipped now (the room believes it empty) must not be vouched for later.
    if (this.lanes.size > active.length) for (const [k, lane] of this.lanes) if (!active.includes(k)) lane.skipped();
    for (const k of active) this.lane(k).add(events, {});
  }

  publish(changes: LiveChanges): void {
    for (const k of this.active()) this.lane(k).add([], changes);
  }

  /**
   * History that must go (a deleted comment, a forgotten user) also goes from the relays'
   * recent events. It rides each relay's lane, so it lands after every event it covers;
   * `relays` are all the room knows, not only active ones: one without sockets may still
   * hold events in memory.
   */
  redact(redaction: Redaction, relays: readonly number[]): void {
    for (const k of relays) this.lane(k).add([], {}, redaction);
  }

  welcomed(k: number, seq: number): void {
    this.lane(k).welcomed(seq);
  }

  private lane(k: number): Lane {
    let lane = this.lanes.get(k);
    if (lane === undefined) {
      lane = new Lane(
        (draft) => this.relay(k).receive({ target: this.target(), k, ...draft }),
        (error) => this.onDrop(k, error),
      );
      this.lanes.set(k, lane);
    }
    return lane;
  }
}
