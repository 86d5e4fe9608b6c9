import { MAX_OPS_PER_RPC, type LikeOp, type OpOutcome } from "../protocol/internal/room-rpc";

/** The longest a like waits in this isolate for others to share its RPC. */
export const MAX_COALESCE_WAIT_MS = 10;
/** How often a waiting like looks whether its batch answered (or should go). */
const POLL_MS = 2;

export type SendLikes = (target: string, ops: LikeOp[]) => Promise<OpOutcome[]>;

interface Entry {
  op: LikeOp;
  state: "queued" | "sent" | "done";
  outcome?: OpOutcome;
  error?: unknown;
}

interface Lane {
  inFlight: number;
  queue: Entry[];
}

/**
 * Groups concurrent likes for one target inside this isolate into one RPC, so a hot target's
 * room runs one transaction for many likes instead of one each. A like that finds no RPC in
 * flight for its target goes at once (no added latency when it is quiet); likes arriving
 * while one is in flight queue up and go together when it answers, or after
 * MAX_COALESCE_WAIT_MS at the latest. The room answers every op on its own, in order.
 *
 * The runtime forbids one request from touching another's I/O, and that includes resolving
 * a promise another request awaits or cancelling its timer. So nothing crosses requests but
 * plain data: a batch's sender writes each outcome into its entry, and every waiting request
 * polls its own entry with its own timer, sending the queue itself when its wait is over.
 */
export class LikeCoalescer {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly maxWaitMs = MAX_COALESCE_WAIT_MS) {}

  async submit(target: string, op: LikeOp, send: SendLikes): Promise<OpOutcome> {
    const lane = this.laneOf(target);
    const entry: Entry = { op, state: "queued" };
    lane.queue.push(entry);
    let waited = 0;
    while (entry.state !== "done") {
      const due = lane.inFlight === 0 || waited >= this.maxWaitMs || lane.queue.length >= MAX_OPS_PER_RPC;
      if (entry.state === "queued" && due) {
        await this.flush(target, lane, send);
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      waited += POLL_MS;
    }
    if (entry.outcome) return entry.outcome;
    throw entry.error;
  }

  /** Sends everything queued (in RPCs of at most MAX_OPS_PER_RPC) and waits for the answers. */
  private async flush(target: string, lane: Lane, send: SendLikes): Promise<void> {
    const sends: Promise<void>[] = [];
    while (lane.queue.length > 0) {
      const batch = lane.queue.splice(0, MAX_OPS_PER_RPC);
      for (const entry of batch) entry.state = "sent";
      lane.inFlight++;
      sends.push(
        send(
          target,
          batch.map((entry) => entry.op),
        )
          .then(
            (outcomes) =>
              batch.forEach((entry, i) => {
                entry.outcome = outcomes[i];
                if (!entry.outcome) entry.error = new Error("room answered fewer outcomes than ops");
              }),
            (error: unknown) => batch.forEach((entry) => (entry.error = error)),
          )
          .finally(() => {
            for (const entry of batch) entry.state = "done";
            lane.inFlight--;
            if (lane.inFlight === 0 && lane.queue.length === 0) this.lanes.delete(target);
          }),
      );
    }
    await Promise.all(sends);
  }

  private laneOf(target: string): Lane {
    let lane = this.lanes.get(target);
    if (!lane) {
      lane = { inFlight: 0, queue: [] };
      this.lanes.set(target, lane);
    }
    return lane;
  }
}
