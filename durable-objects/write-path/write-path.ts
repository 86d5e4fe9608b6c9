import type { AlarmJobs } from "../alarm-jobs";
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from "../idempotency";
import type { ReplayRing } from "../replay-ring";
import type { RoomSeq } from "../room-seq";
import { ChangeLog } from "./change-log";

/**
 * The background jobs every writer (room or like shard) schedules after a commit, under the
 * same names in both, so one set of constants says when they run.
 */
export const WRITE_JOBS = { outbox: "outbox", idempotencySweep: "idempotency-sweep" } as const;
/**
 * The outbox sends at most once per this long: a burst of writes leaves in a few sends to the
 * events queue, not one each. The first write after a quiet spell is sent at once (after its
 * broadcast), so its queue work runs in the quiet after it, not under the next like's broadcast.
 */
export const OUTBOX_DELAY_MS = 250;
/** While keys remain, the sweep comes back this often; it stops when none are left. */
export const IDEMPOTENCY_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * What the write path needs of the object it writes for, and nothing more (the way a
 * capability talks to its agent through a small host slice): the storage it runs the
 * transaction in, the seq it flushes, the alarm jobs it schedules, and the host's own
 * steps around a commit.
 */
export interface WriteHost {
  readonly storage: DurableObjectStorage;
  /** The storage's SQL as the host's parts use it (a room counts its rows written through it); default storage.sql. */
  readonly sql?: SqlStorage;
  readonly seq: RoomSeq;
  readonly jobs: AlarmJobs;
  /** Where a room keeps recent events for reconnecting sockets; a shard has no sockets. */
  readonly ring?: ReplayRing;
  /** After a failed transaction: every cache in memory must match storage again. */
  rollBack(): void;
  /** After a commit that changed storage, before its jobs are scheduled (broadcasts, counters). */
  announce?(log: ChangeLog, requestId: string | undefined): void;
  /** A job of the host's own that a change schedules (the room's analytics report). */
  afterChange?(now: number): Promise<void>;
  /** After every commit, changed or not. */
  afterCommit?(): Promise<void>;
}

/**
 * The one write path: `work` changes storage and records what it did in a ChangeLog, all in
 * one transaction with the seq counter and (in a room) the replay ring. After the commit the
 * host announces the change, then the outbox's send to the queue and the idempotency sweep
 * are scheduled; no D1 statement on this path (issue 17). If `work` throws, storage rolls
 * back and the host reloads its caches.
 */
export class WritePath {
  /** The one idempotency store of the object: likes, comments and reactions remember their keys here. */
  readonly idempotencyKeys: IdempotencyStore;
  /** When the last outbox send this wake-up asked for was due (memory only: a wake-up sends at once). */
  private outboxDueAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly host: WriteHost,
    private readonly now: () => number = Date.now,
  ) {
    this.idempotencyKeys = new IdempotencyStore(host.sql ?? host.storage.sql, now);
  }

  async commit<T>(work: (log: ChangeLog) => T, requestId?: string): Promise<T> {
    const { value, log } = this.transact(work);
    await this.settle(log, requestId);
    return value;
  }

  /** The synchronous half: callers that must act between the commit and its jobs use it with `settle`. */
  transact<T>(work: (log: ChangeLog) => T): { value: T; log: ChangeLog } {
    const log = new ChangeLog();
    try {
      const value = this.host.storage.transactionSync(() => {
        const result = work(log);
        this.host.seq.flush();
        if (this.host.ring !== undefined && log.events.length > 0) {
          this.host.ring.append(log.events);
          this.host.ring.trim(this.host.seq.last);
        }
        return result;
      });
      return { value, log };
    } catch (error) {
      this.host.seq.reload();
      this.host.rollBack();
      throw error;
    }
  }

  async settle(log: ChangeLog, requestId?: string): Promise<void> {
    if (log.changed) {
      this.host.announce?.(log, requestId);
      const now = this.now();
      await this.host.jobs.schedule(WRITE_JOBS.outbox, this.outboxDue(now));
      await this.host.afterChange?.(now);
    }
    if (log.needsIdempotencySweep && !this.host.jobs.isScheduled(WRITE_JOBS.idempotencySweep)) {
      await this.host.jobs.schedule(WRITE_JOBS.idempotencySweep, this.now() + IDEMPOTENCY_TTL_MS);
    }
    await this.host.afterCommit?.();
  }

  /**
   * A send already due later carries this change too; otherwise the next one is due now, or
   * OUTBOX_DELAY_MS after the last, whichever is later.
   */
  private outboxDue(now: number): number {
    if (this.outboxDueAt >= now) return this.outboxDueAt;
    this.outboxDueAt = Math.max(now, this.outboxDueAt + OUTBOX_DELAY_MS);
    return this.outboxDueAt;
  }
}

/** The sweep job's runner: expired keys go, and it comes back while any are left. */
export function sweepIdempotencyKeys(keys: () => IdempotencyStore, now: () => number = Date.now): () => Promise<number | null> {
  return async () => (keys().purgeExpired() > 0 ? now() + IDEMPOTENCY_SWEEP_INTERVAL_MS : null);
}
