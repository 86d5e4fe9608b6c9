import { LikeResult } from "../../protocol/likes";
import type { EngagementEvent } from "../../protocol/events";
import type { LikeOp, LikeStatus, OpOutcome } from "../../protocol/internal/room-rpc";
import { idempotencyScope as scopeOf, type IdempotencyStore } from "../idempotency";
import { enqueueEvent, enqueueEvents } from "../outbox";
import { forgetRecentUnlike, noteUnlikes } from "../recent-unlikes";
import type { RoomMeta } from "../room-meta";
import type { RoomSeq } from "../room-seq";

/**
 * The exact like state of one target. Every method runs synchronously against the room's
 * SQLite, so a batch applied inside `transactionSync` is all-or-nothing and the count in
 * memory never runs ahead of what storage holds.
 */
export class LikesLedger {
  private likes = 0;
  /**
   * A like shard's epoch, stamped on its events so a user's index can order them after the
   * room's (protocol/events.ts); unset in a room, whose events carry none.
   */
  eventEpoch: number | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
    private readonly seq: RoomSeq,
    /** The object's one store (write-path/write-path.ts), shared with comments and reactions. */
    private readonly idempotency: IdempotencyStore,
    private readonly now: () => number = Date.now,
  ) {
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

  status(userId: string): LikeStatus {
    const row = this.sql.exec<{ liked_at: number }>("SELECT liked_at FROM likes WHERE user_id = ?", userId).toArray()[0];
    return { liked: row !== undefined, likedAt: row?.liked_at ?? null };
  }

  /**
   * Applies ops in order; the caller wraps this in one storage transaction. A batch costs a
   * handful of statements whatever its size: one read of every user's state, the ops walked
   * in memory (so a user's repeats inside one batch dedupe exactly), then one bulk write per
   * table. Idempotency keys still cost a lookup and a write each.
   */
  apply(target: string, ops: readonly LikeOp[]): { outcomes: OpOutcome[]; changes: LikeResult[] } {
    const outcomes: OpOutcome[] = [];
    const changes: LikeResult[] = [];
    const liked = this.likedAmong(ops.map((op) => op.userId));
    const writes = new Map<string, boolean>();
    const events: EngagementEvent[] = [];
    const at = this.now();
    for (const op of ops) {
      const outcome = this.walk(target, op, liked, (userId, wantLiked) => {
        const seq = this.seq.next();
        this.likes += wantLiked ? 1 : -1;
        liked.set(userId, wantLiked);
        writes.set(userId, wantLiked);
        events.push({ eventId: crypto.randomUUID(), type: wantLiked ? "like" : "unlike", target, userId, at, seq, ...this.epochField() });
        return seq;
      });
      if (outcome.ok && outcome.result.changed && outcome.fresh) changes.push(outcome.result);
      outcomes.push(outcome.ok ? { ok: true, result: outcome.result } : outcome);
    }
    if (writes.size > 0) {
      this.writeBulk(writes, at, events);
      this.meta.set("likes", String(this.likes));
    }
    return { outcomes, changes };
  }

  /** Whether each user likes the target now, in one query (a JSON array keeps it one parameter). */
  private likedAmong(userIds: readonly string[]): Map<string, boolean> {
    const unique = [...new Set(userIds)];
    const liked = new Map<string, boolean>(unique.map((userId) => [userId, false]));
    for (const row of this.sql.exec<{ user_id: string }>(
      "SELECT user_id FROM likes WHERE user_id IN (SELECT value FROM json_each(?))",
      JSON.stringify(unique),
    )) {
      liked.set(row.user_id, true);
    }
    return liked;
  }

  private walk(
    target: string,
    op: LikeOp,
    liked: Map<string, boolean>,
    change: (userId: string, wantLiked: boolean) => number,
  ): ({ ok: true; result: LikeResult; fresh: boolean }) | Extract<OpOutcome, { ok: false }> {
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
      // A replayed answer may say changed: true, but it is an old change, not a new one.
      if (previous.kind === "hit") return { ok: true, result: previous.result, fresh: false };
    }
    const current = liked.get(op.userId) ?? false;
    const wantLiked = op.action === "toggle" ? !current : op.action === "like";
    const result: LikeResult =
      wantLiked === current
        ? { target, liked: current, count: this.likes, changed: false, seq: this.seq.last }
        : (() => {
            const seq = change(op.userId, wantLiked);
            return { target, liked: wantLiked, count: this.likes, changed: true, seq };
          })();
    if (idempotencyScope !== null) this.idempotency.remember(idempotencyScope, op.action, result);
    return { ok: true, result, fresh: true };
  }

  /**
   * Every user's final state and every event, one statement per table.
   * A batch shares one `at`, bound once; likes and unlikes go as plain arrays of user ids,
   * which SQLite walks faster than arrays of tuples it must take apart.
   */
  private writeBulk(writes: Map<string, boolean>, at: number, events: readonly EngagementEvent[]): void {
    const liked: string[] = [];
    const unliked: string[] = [];
    for (const [userId, likes] of writes) (likes ? liked : unliked).push(userId);
    if (unliked.length > 0) {
      this.sql.exec("DELETE FROM likes WHERE user_id IN (SELECT value FROM json_each(?))", JSON.stringify(unliked));
      noteUnlikes(this.sql, unliked, this.seq.last, at);
    }
    if (liked.length > 0) {
      this.sql.exec(
        // `WHERE true`: without it SQLite reads ON CONFLICT as a join constraint.
        `INSERT INTO likes (user_id, liked_at) SELECT value, ? FROM json_each(?) WHERE true
         ON CONFLICT (user_id) DO UPDATE SET liked_at = excluded.liked_at`,
        at,
        JSON.stringify(liked),
      );
    }
    enqueueEvents(this.sql, events);
  }

  /**
   * Removes a user's like because they asked to be forgotten. The count and seq move as for
   * an unlike, but the event carries no user id, so the outbox never ships it again.
   */
  eraseUser(target: string, userId: string, before: number = Number.MAX_SAFE_INTEGER): boolean {
    forgetRecentUnlike(this.sql, userId, before);
    const { liked, likedAt } = this.status(userId);
    // `before`: a like made after that instant is a returning user's new one (forgotten-bounce).
    if (!liked || (likedAt ?? 0) > before) return false;
    this.recordChange(target, userId, false, null);
    this.meta.set("likes", String(this.likes));
    return true;
  }

  /**
   * Sharded targets (durable-objects/shards/): the user's like leaves this holder for a newer
   * one. No event and no seq: nothing happened to the like, only where it is kept.
   */
  release(userId: string): LikeStatus {
    const status = this.status(userId);
    if (status.liked) {
      this.sql.exec("DELETE FROM likes WHERE user_id = ?", userId);
      this.likes--;
      this.meta.set("likes", String(this.likes));
    }
    return status;
  }

  /** The other half of `release`: takes a handed-over user in, keeping their first like time. */
  adopt(userId: string, status: LikeStatus): void {
    if (status.liked && !this.status(userId).liked) {
      this.sql.exec("INSERT INTO likes (user_id, liked_at) VALUES (?, ?)", userId, status.likedAt ?? this.now());
      this.likes++;
      this.meta.set("likes", String(this.likes));
    }
    // The count may have moved, and the room keeps a shard's count report only when its seq
    // is newer (shards/room-shards.ts): the adoption takes a seq of its own.
    this.seq.next();
  }

  private epochField(): { epoch?: number } {
    return this.eventEpoch === undefined ? {} : { epoch: this.eventEpoch };
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
    const event: EngagementEvent = {
      eventId: crypto.randomUUID(),
      type: wantLiked ? "like" : "unlike",
      target,
      userId: eventUserId,
      at,
      seq,
      ...this.epochField(),
    };
    enqueueEvent(this.sql, event);
    return seq;
  }
}
