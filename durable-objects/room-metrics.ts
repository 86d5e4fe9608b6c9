import type { RoomMetricsReport } from "../protocol/operations";
import type { OutboxBacklog } from "./outbox-backlog";
import type { JobHooks } from "./observed-jobs";

/** The like rate is averaged over this many one-second buckets. */
export const LIKE_RATE_WINDOW_SECONDS = 10;
const SECOND_MS = 1_000;

/** What a room's socket layer reports as it sends; see RoomSockets. */
export interface SocketCounters {
  frameSent(): void;
  framesDroppedSlow(frames: number): void;
  switchedToCountsOnly(): void;
  closedTooFarBehind(): void;
}

/**
 * A room's operational counters. Memory only, on purpose: they cost no storage write on the
 * hot path, and after an eviction they restart (the report says since when). Numbers that
 * must be exact whatever happened (the outbox backlog, open sockets) are read from storage
 * and the runtime when the report is made, not counted here.
 */
export class RoomMetrics implements SocketCounters {
  private readonly since: number;
  private readonly likeBuckets = new Map<number, number>();
  private likeChanges = 0;
  private commits = 0;
  private ops = 0;
  private outboxSent = 0;
  private outboxFailures = 0;
  private socketsAccepted = 0;
  private socketsClosed = 0;
  private socketsRefused = 0;
  private framesSent = 0;
  private framesDropped = 0;
  private switched = 0;
  private closedBehind = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** Like operations asked for, including repeats that will change nothing. */
  opsRequested(ops: number): void {
    this.ops += ops;
  }

  /** A write transaction that changed something committed; `likeChanges` of its changes were likes or unlikes. */
  committed(likeChanges: number): void {
    const at = this.now();
    this.commits++;
    this.likeChanges += likeChanges;
    if (likeChanges > 0) {
      const second = Math.floor(at / SECOND_MS);
      this.likeBuckets.set(second, (this.likeBuckets.get(second) ?? 0) + likeChanges);
      for (const key of this.likeBuckets.keys()) if (key <= second - LIKE_RATE_WINDOW_SECONDS) this.likeBuckets.delete(key);
    }
  }

  outboxHooks(): JobHooks {
    return { failed: () => this.outboxFailed() };
  }

  outboxShipped(events: number): void {
    this.outboxSent += events;
  }

  outboxFailed(): void {
    this.outboxFailures++;
  }

  socketAccepted(): void {
    this.socketsAccepted++;
  }

  socketClosed(): void {
    this.socketsClosed++;
  }

  socketRefused(): void {
    this.socketsRefused++;
  }

  frameSent(): void {
    this.framesSent++;
  }

  framesDroppedSlow(frames: number): void {
    this.framesDropped += frames;
  }

  switchedToCountsOnly(): void {
    this.switched++;
  }

  closedTooFarBehind(): void {
    this.closedBehind++;
  }

  report(room: { target: string; seq: number; openSockets: number; outbox: OutboxBacklog; rowsWritten: number }): RoomMetricsReport {
    const now = this.now();
    const second = Math.floor(now / SECOND_MS);
    let recent = 0;
    for (const [key, n] of this.likeBuckets) if (key > second - LIKE_RATE_WINDOW_SECONDS) recent += n;
    return {
      target: room.target,
      since: new Date(this.since).toISOString(),
      seq: room.seq,
      likes: { perSecond: recent / LIKE_RATE_WINDOW_SECONDS, windowSeconds: LIKE_RATE_WINDOW_SECONDS, changes: this.likeChanges },
      writes: { commits: this.commits, ops: this.ops },
      storage: { rowsWritten: room.rowsWritten },
      outbox: {
        backlog: room.outbox.events,
        oldestAgeMs: room.outbox.oldestAt === null ? null : Math.max(0, now - room.outbox.oldestAt),
        sent: this.outboxSent,
        failures: this.outboxFailures,
      },
      sockets: { open: room.openSockets, accepted: this.socketsAccepted, closed: this.socketsClosed, refused: this.socketsRefused },
      frames: {
        sent: this.framesSent,
        droppedSlow: this.framesDropped,
        switchedToCountsOnly: this.switched,
        closedTooFarBehind: this.closedBehind,
      },
    };
  }
}
