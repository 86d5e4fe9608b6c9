import { LikeResult } from "../protocol/likes";
import type { EngagementEvent } from "../protocol/events";
import type { LikeOp, LikeStatus, OpOutcome } from "../protocol/room-rpc";
import { IdempotencyStore, idempotencyScope as scopeOf } from "./idempotency";
import { enqueueEvent } from "./outbox";
import type { RoomMeta } from "./room-meta";
import type { RoomSeq } from "./room-seq";

/**
 * The exact like state of one target. Every method runs synchronously against the room's
 * SQLite, so a batch applied inside `transactionSync` is all-or-nothing and the count in
 * memory never runs ahead of what storage holds.
 */
export class LikesLedger {
  private likes = 0;
  private readonly idempotency: IdempotencyStore;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
    private readonly seq: RoomSeq,
    private readonly now: () => number = Date.now,
  ) {
    this.idempotency = new IdempotencyStore(sql, now);
    this.likes = Number(meta.get("likes") ?? 0);
  }

  /** After a rolled-back transaction: the count in memory must match storage again. */
  reload(): void {
    this.likes = Number(this.meta.get("likes") ?? 0);
  }

  get count(): number {
    return this.likes;
  }

  get lastSeq(): number {
    return this.seq.last;
  }

  get idempotencyKeys(): IdempotencyStore {
    return this.idempotency;
  }

  status(userId: string): LikeStatus {
    const row = this.sql.exec<{ liked_at: number }>("SELECT liked_at FROM likes WHERE user_id = ?", userId).toArray()[0];
    return { liked: row !== undefined, likedAt: row?.liked_at ?? null };
  }

  /** Applies ops in order; the caller wraps this in one storage transaction. */
  apply(target: string, ops: readonly LikeOp[]): { outcomes: OpOutcome[]; changes: LikeResult[] } {
    const outcomes: OpOutcome[] = [];
    const changes: LikeResult[] = [];
    const seqBefore = this.seq.last;
    for (const op of ops) {
      const outcome = this.applyOne(target, op);
      // A replayed Idempotency-Key answer says changed: true but is an old change (seq <= seqBefore).
      if (outcome.ok && outcome.result.changed && outcome.result.seq > seqBefore) changes.push(outcome.result);
      outcomes.push(outcome);
    }
    if (changes.length > 0) this.meta.set("likes", String(this.likes));
    return { outcomes, changes };
  }

  private applyOne(target: string, op: LikeOp): OpOutcome {
    const idempotencyScope = op.idempotencyKey === undefined ? null : scopeOf(op.userId, op.idempotencyKey);
    if (idempotencyScope !== null) {
      const previous = this.idempotency.lookup(idempotencyScope, op.action, LikeResult);
      if (previous.kind === "conflict") {
        return {
          ok: false,
          error: {
            code: "idempotency_conflict",
            message: `Idempotency-Key was first used for "${previous.firstFingerprint}", not "${op.action}"`,
          },
        };
      }
      if (previous.kind === "hit") return { ok: true, result: previous.result };
    }

    const current = this.status(op.userId);
    const wantLiked = op.action === "toggle" ? !current.liked : op.action === "like";
    let result: LikeResult;
    if (wantLiked === current.liked) {
      result = { target, liked: current.liked, count: this.likes, changed: false, seq: this.seq.last };
    } else {
      const seq = this.recordChange(target, op.userId, wantLiked, op.userId);
      result = { target, liked: wantLiked, count: this.likes, changed: true, seq };
    }
    if (idempotencyScope !== null) this.idempotency.remember(idempotencyScope, op.action, result);
    return { ok: true, result };
  }

  /**
   * Removes a user's like because they asked to be forgotten. The count and seq move as for
   * an unlike, but the event carries no user id, so the outbox never ships it again.
   */
  eraseUser(target: string, userId: string): boolean {
    if (!this.status(userId).liked) return false;
    this.recordChange(target, userId, false, null);
    this.meta.set("likes", String(this.likes));
    return true;
  }

  /**
   * Sharded targets (durable-objects/shards/): the user's like leaves this holder for a newer
   * one. No event and no seq: nothing happened to the like, only where it is kept. The new
   * holder writes the user's D1 row from now on, so a pending row here must not land later.
   */
  release(userId: string): LikeStatus {
    const status = this.status(userId);
    if (status.liked) {
      this.sql.exec("DELETE FROM likes WHERE user_id = ?", userId);
      this.likes--;
      this.meta.set("likes", String(this.likes));
    }
    this.sql.exec("DELETE FROM d1_pending WHERE user_id = ?", userId);
    return status;
  }

  /** The other half of `release`: takes a handed-over user in, keeping their first like time. */
  adopt(userId: string, status: LikeStatus): void {
    if (status.liked && !this.status(userId).liked) {
      this.sql.exec("INSERT INTO likes (user_id, liked_at) VALUES (?, ?)", userId, status.likedAt ?? this.now());
      this.likes++;
      this.meta.set("likes", String(this.likes));
    }
    // Rewriting the user's D1 row is harmless (same row) and orders it after the old holder's.
    this.sql.exec(
      `INSERT INTO d1_pending (user_id, liked_at, seq) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET liked_at = excluded.liked_at, seq = excluded.seq`,
      userId,
      status.liked ? (status.likedAt ?? this.now()) : null,
      this.seq.next(),
    );
  }

  private recordChange(target: string, userId: string, wantLiked: boolean, eventUserId: string | null): number {
    const at = this.now();
    const seq = this.seq.next();
    if (wantLiked) {
      this.sql.exec("INSERT INTO likes (user_id, liked_at) VALUES (?, ?)", userId, at);
      this.likes++;
    } else {
      this.sql.exec("DELETE FROM likes WHERE user_id = ?", userId);
      this.likes--;
    }
    this.sql.exec(
      `INSERT INTO d1_pending (user_id, liked_at, seq) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET liked_at = excluded.liked_at, seq = excluded.seq`,
      userId,
      wantLiked ? at : null,
      seq,
    );
    const event: EngagementEvent = {
      eventId: crypto.randomUUID(),
      type: wantLiked ? "like" : "unlike",
      target,
      userId: eventUserId,
      at,
      seq,
    };
    enqueueEvent(this.sql, event);
    return seq;
  }
}
