import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { AppEnv } from "../../platform/env";
import type { LikeStatus, OpOutcome, RoomError } from "../../protocol/internal/room-rpc";
import { ShardLayout, shardIndex, shardName } from "../../protocol/shards";
import { HandedUser, ShardApplyInput, ShardAddress, ShardUserInput, MAX_SERIES_PER_REPORT, type Moved, type ShardForgetResult, type TargetTotal } from "../../protocol/internal/shard-rpc";
import { TargetId } from "../../protocol/target";
import { ShardLikeTruthPageInput, type LikeTruthPage } from "../../protocol/internal/like-truth";
import { forgetRecentUnlike, readLikeTruth } from "../recent-unlikes";
import { RoomMeta } from "../room-meta";
import { RoomSeq } from "../room-seq";
import { LikesLedger } from "../likes/likes-ledger";
import { AlarmJobs } from "../alarm-jobs";
import { shipOutbox } from "../outbox";
import { idempotencyScope } from "../idempotency";
import { sweepIdempotencyKeys, WritePath, WRITE_JOBS } from "../write-path/write-path";
import { UserLimits } from "../users/user-limits";
import type { LikeOp } from "../../protocol/internal/room-rpc";
import { applyWithinRate } from "../likes/like-limit";
import { requestIdsOf } from "../likes/request-ids";
import { RateLimiter } from "../moderation/rate-limiter";
import { rateLimitsFrom } from "../moderation/rate-limits";
import { logEvent } from "../../platform/log";
import { roomFor } from "../../platform/rooms";
import { shardStub } from "../../platform/like-router";
import { migrateShardSchema } from "./shard-schema";
import { importKeys, MovedUsers, scrubUserTraces } from "./moved-users";
import { CountReporter } from "./count-reporter";
import { markReported, pruneBuckets, unreportedBuckets } from "../analytics/series";
import { UserLocks } from "./user-locks";

const REPORT_RETRY_DELAY_MS = 1_000;
const JOB_REPORT = "count-report";
const SERIES_PRUNE_INTERVAL_MS = 60_000;

const MOVED: Moved = { moved: true };

const BoundShard = z.object({
  target: TargetId,
  epoch: z.number().int().min(1),
  k: z.number().int().nonnegative(),
  layout: ShardLayout,
});
type BoundShard = z.infer<typeof BoundShard>;

export type ShardApplyAnswer = Moved | { moved: false; outcomes: OpOutcome[] };

/**
 * The like state of the users of one sharded target that hash to shard k in one epoch
 * (name `${target}#${epoch}#${k}`). It dedupes its own users exactly, as a room does, and
 * reports its count to the target's room, which publishes the sum. A user it has no record
 * of is first taken over from their holder in the previous epoch (down to epoch 0, the room):
 * see docs/shards.md.
 */
export class LikeShard extends DurableObject<AppEnv> {
  private meta!: RoomMeta;
  private seq!: RoomSeq;
  private ledger!: LikesLedger;
  private moved!: MovedUsers;
  private writes!: WritePath;
  private bound: BoundShard | null = null;
  private closed = false;
  private readonly jobs: AlarmJobs;
  private readonly locks = new UserLocks();
  private readonly reporter: CountReporter;
  private readonly limiter: RateLimiter;
  /** Per-user limits across rooms (durable-objects/users/user-limits.ts). */
  private readonly limits: UserLimits;
  /** The room's last answer and the count it was for: the fallback when a report fails. */
  private lastTotal: { total: TargetTotal; count: number } | null = null;
  /** Memory only: a wake-up prunes at its first report. */
  private seriesPrunedAt = 0;
  /**
   * Memory only: whether the room (epoch 0's holder) said it holds no like, key or marker;
   * null until asked, once per wake-up. True stays true (a sharded room takes no like), and a
   * first-epoch shard then takes its new users in without asking the room per batch. False is
   * kept too: a room that held likes before sharding is asked per batch as before, not twice.
   */
  private roomHoldsNothing: boolean | null = null;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.jobs = new AlarmJobs(ctx.storage, (job, error, failures) =>
      logEvent("alarm_job_failed", { shard: this.bound === null ? null : this.name(), job, failures, error: String(error) }),
    );
    this.jobs.register(WRITE_JOBS.outbox, async () => {
      const shard = this.requireBound();
      return (await shipOutbox(this.env.EVENTS, this.ctx.storage.sql, { epoch: shard.epoch, shard: shard.k })).more ? Date.now() : null;
    });
    this.jobs.register(JOB_REPORT, async () => {
      await this.reporter.report();
      return null;
    });
    this.jobs.register(WRITE_JOBS.idempotencySweep, sweepIdempotencyKeys(() => this.writes.idempotencyKeys));
    this.reporter = new CountReporter(() => this.sendReport());
    // Likes only: a sharded target's reactions stay in the room with their own budget.
    this.limiter = new RateLimiter(rateLimitsFrom(env).reactionsPerMinute);
    this.limits = new UserLimits(env);
    void ctx.blockConcurrencyWhile(async () => {
      migrateShardSchema(ctx.storage.sql);
      this.meta = new RoomMeta(ctx.storage.sql);
      this.seq = new RoomSeq(this.meta);
      // Shards announce nothing themselves: the room they report to broadcasts the count.
      this.writes = new WritePath({ storage: ctx.storage, seq: this.seq, jobs: this.jobs, rollBack: () => this.ledger.reload() });
      this.ledger = new LikesLedger(ctx.storage.sql, this.meta, this.seq, this.writes.idempotencyKeys);
      this.moved = new MovedUsers(ctx.storage.sql);
      const stored = this.meta.get("shard");
      this.bound = stored === undefined ? null : BoundShard.parse(JSON.parse(stored));
      this.ledger.eventEpoch = this.bound?.epoch;
      this.closed = this.meta.get("closed") === "1";
    });
  }

  async applyLikes(input: ShardApplyInput): Promise<ShardApplyAnswer> {
    const { address, ops, requestId, unlimited } = ShardApplyInput.parse(input);
    const shard = this.bind(address);
    if (this.closed) return MOVED;
    const users = [...new Set(ops.map((op) => op.userId))];
    const n = shard.layout[shard.epoch]!;
    if (users.some((userId) => shardIndex(userId, n) !== shard.k)) throw new Error(`a user in the batch does not belong to ${this.name()}`);
    await this.adoptFromRoom(shard, users);
    const held = await Promise.all(this.notHeldAmong(users).map((userId) => this.ensureHeld(userId)));
    if (held.includes(false)) return MOVED;
    // The same limits as an unsharded room's likes, after the same idempotency lookup.
    const repeat = (op: LikeOp) => op.idempotencyKey !== undefined && this.writes.idempotencyKeys.remembers(idempotencyScope(op.userId, op.idempotencyKey));
    const refusals = unlimited === true ? [] : await Promise.all(ops.map((op) => (repeat(op) ? null : this.limits.takeWrite(op.userId))));

    const { value: applied, log } = this.writes.transact((log) => {
      // A handoff may have taken a user while the others were being fetched.
      if (this.closed || this.moved.anyAmong(users)) return null;
      const at = Date.now();
      const check = (op: LikeOp, i: number) => refusals[i] ?? (repeat(op) ? null : this.checkRate(op.userId, at));
      const result = applyWithinRate(ops, check, (allowed) => this.ledger.apply(shard.target, allowed));
      if (result.changes.length > 0) log.touch();
      if (ops.some((op) => op.idempotencyKey !== undefined)) log.rememberedIdempotencyKey();
      return result;
    });
    if (applied === null) return MOVED;
    await this.writes.settle(log);
    const total = await this.currentTotal(applied.changes.length > 0);
    logEvent("shard_likes_applied", { shard: this.name(), requestId, requestIds: requestIdsOf(ops, requestId), ops: ops.length, changed: applied.changes.length, seq: this.seq.last });
    // Answers carry the target's count and the room's seq, as an unsharded room's would.
    return {
      moved: false,
      outcomes: applied.outcomes.map((outcome) =>
        outcome.ok ? { ok: true, result: { ...outcome.result, count: total.count, seq: total.seq } } : outcome,
      ),
    };
  }

  async likeStatus(input: ShardUserInput): Promise<LikeStatus | Moved> {
    const { address, userId } = ShardUserInput.parse(input);
    this.bind(address);
    if (this.closed) return MOVED;
    if (!(await this.ensureHeld(userId))) return MOVED;
    // Taking a liked user over raised this shard's count: the room must hear of it too.
    await this.currentTotal(false);
    const { liked, likedAt } = this.ledger.status(userId);
    return { liked, likedAt };
  }

  /**
   * Called by the user's shard in the next epoch. Idempotent: the first call releases the
   * user (nothing stays counted here) and leaves a marker; every later call answers the same.
   */
  async handOver(input: ShardUserInput): Promise<HandedUser> {
    const { address, userId } = ShardUserInput.parse(input);
    this.bind(address);
    return this.locks.run(userId, async () => {
      const marked = this.moved.find(userId);
      if (marked !== null) return marked;
      if (!this.isHeld(userId)) {
        // Never seen here: pass the user through from the older holder without counting them.
        const older = await this.askPreviousHolder(userId);
        return this.commit(() => this.moved.find(userId) ?? this.moved.mark(userId, older));
      }
      const handed = this.commit(() => {
        const status = this.ledger.release(userId);
        this.ctx.storage.sql.exec("DELETE FROM like_held WHERE user_id = ?", userId);
        // A new seq makes the report of the lower count newer than any earlier one.
        this.seq.next();
        return this.moved.mark(userId, status);
      });
      if (handed.liked) await this.currentTotal(true);
      return handed;
    });
  }

  /**
   * Part of a user's deletion, called by the room on the user's shard in the current epoch:
   * takes the user over (so no older holder keeps their like), erases it as the room's own
   * erasure does (anonymous unlike event), then scrubs the markers and keys of older epochs.
   */
  async forgetUser(input: ShardUserInput): Promise<ShardForgetResult | Moved> {
    const { address, userId, before } = ShardUserInput.parse(input);
    const shard = this.bind(address);
    if (this.closed || !(await this.ensureHeld(userId))) return MOVED;
    if (before !== undefined) {
      // A late event's bounce (workers/forgotten-bounce.ts): only a like from before the
      // deletion goes; the user may hold a newer one, and their traces are theirs again.
      const likesRemoved = await this.writes.commit((log) => {
        if (!this.ledger.eraseUser(shard.target, userId, before)) return 0;
        log.touch();
        return 1;
      });
      await this.currentTotal(likesRemoved > 0);
      return { likesRemoved, outboxAnonymised: 0, idempotencyKeysRemoved: 0 };
    }
    const result = await this.writes.commit((log) => {
      const likesRemoved = this.ledger.eraseUser(shard.target, userId) ? 1 : 0;
      if (likesRemoved > 0) log.touch();
      // Not holding them any more is safe: every older marker now says "not liked", which is
      // what taking them over again would find.
      this.ctx.storage.sql.exec("DELETE FROM like_held WHERE user_id = ?", userId);
      return { likesRemoved, ...scrubUserTraces(this.ctx.storage.sql, userId) };
    });
    await this.currentTotal(result.likesRemoved > 0);
    for (let epoch = shard.epoch - 1; epoch >= 1; epoch--) {
      const k = shardIndex(userId, shard.layout[epoch]!);
      const older = await shardStub(this.env, shard.target, epoch, k).scrubMovedUser({
        address: { target: shard.target, epoch, k, layout: shard.layout.slice(0, epoch + 1) },
        userId,
      });
      result.outboxAnonymised += older.outboxAnonymised;
      result.idempotencyKeysRemoved += older.idempotencyKeysRemoved;
    }
    return result;
  }

  /** This shard's likers and recent unlikers at its seq (workers/user-index-repair.ts). */
  async likeTruthPage(input: ShardLikeTruthPageInput): Promise<LikeTruthPage> {
    const { address, afterUserId, limit } = ShardLikeTruthPageInput.parse(input);
    this.bind(address);
    const page = readLikeTruth(this.ctx.storage.sql, afterUserId, limit);
    return { epoch: address.epoch, seq: this.seq.last, likes: this.ledger.count, ...page, layout: null };
  }

  /** An older epoch's part of a user's erasure: they moved on, so only traces are left here. */
  async scrubMovedUser(input: ShardUserInput): Promise<ShardForgetResult> {
    const { address, userId } = ShardUserInput.parse(input);
    this.bind(address);
    return this.commit(() => {
      this.moved.scrub(userId);
      forgetRecentUnlike(this.ctx.storage.sql, userId);
      return { likesRemoved: 0, ...scrubUserTraces(this.ctx.storage.sql, userId) };
    });
  }

  /** The room started a newer epoch: writes now belong there, so callers are told "moved". */
  async closeEpoch(address: ShardAddress): Promise<void> {
    this.bind(ShardAddress.parse(address));
    if (this.closed) return;
    this.meta.set("closed", "1");
    this.closed = true;
  }

  override async alarm(): Promise<void> {
    await this.jobs.runDue();
  }

  /**
   * In the first sharded epoch the room is every user's previous holder: ask it about all of
   * a batch's unknown users in one RPC and adopt them in one transaction, instead of one
   * round trip per first-time liker. Idempotent like the single handoff (the room answers a
   * user the same every time), so a race with `ensureHeld` adopts once. Later epochs still
   * hand users over one by one (`ensureHeld`).
   */
  private async adoptFromRoom(shard: { target: string; epoch: number }, users: readonly string[]): Promise<void> {
    if (shard.epoch !== 1) return;
    const unknown = this.unknownAmong(users);
    if (unknown.length === 0) return;
    if (await this.askRoomHoldsNothing(shard.target)) {
      // Nothing to take over: holding them is the row alone.
      this.commit(() => this.holdAll(this.unknownAmong(unknown)));
      return;
    }
    if (unknown.length < 2) return;
    const answers = (await roomFor(this.env, shard.target).handOverLikes({ target: shard.target, userIds: unknown })).map((answer) =>
      HandedUser.parse(answer),
    );
    this.commit(() => {
      const still = new Set(this.unknownAmong(unknown));
      this.holdAll([...still]);
      unknown.forEach((userId, i) => {
        const older = answers[i]!;
        // A user the room never held needs nothing beyond the row above (no like, no key, no count change).
        if (!still.has(userId) || (!older.liked && older.keys.length === 0)) return;
        this.ledger.adopt(userId, older);
        importKeys(this.ctx.storage.sql, older.keys);
      });
    });
  }

  private async askRoomHoldsNothing(target: string): Promise<boolean> {
    this.roomHoldsNothing ??= z.boolean().parse(await roomFor(this.env, target).holdsNoLikes(target));
    return this.roomHoldsNothing;
  }

  /** Statements per batch, not per user: this runs for every new liker of a hot target. */
  private holdAll(userIds: readonly string[]): void {
    this.ctx.storage.sql.exec("INSERT INTO like_held (user_id) SELECT value FROM json_each(?)", JSON.stringify(userIds));
  }

  /** The users among these this shard does not hold (some may have moved on), in one query. */
  private notHeldAmong(users: readonly string[]): string[] {
    return this.ctx.storage.sql
      .exec<{ value: string }>("SELECT value FROM json_each(?) WHERE NOT EXISTS (SELECT 1 FROM like_held WHERE user_id = value)", JSON.stringify(users))
      .toArray()
      .map((row) => row.value);
  }

  /** The users among these this shard neither holds nor handed on: the ones to ask an older holder about. */
  private unknownAmong(users: readonly string[]): string[] {
    return this.ctx.storage.sql
      .exec<{ value: string }>(
        "SELECT value FROM json_each(?) WHERE NOT EXISTS (SELECT 1 FROM like_held WHERE user_id = value) AND NOT EXISTS (SELECT 1 FROM like_moved WHERE user_id = value)",
        JSON.stringify(users),
      )
      .toArray()
      .map((row) => row.value);
  }

  /** True when this shard holds the user (now or after taking them over), false when they moved on. */
  private async ensureHeld(userId: string): Promise<boolean> {
    if (this.isHeld(userId)) return true;
    if (this.moved.has(userId)) return false;
    return this.locks.run(userId, async () => {
      if (this.isHeld(userId)) return true;
      if (this.moved.has(userId)) return false;
      const older = await this.askPreviousHolder(userId);
      return this.commit(() => {
        if (this.moved.has(userId)) return false;
        if (!this.isHeld(userId)) {
          this.ctx.storage.sql.exec("INSERT INTO like_held (user_id) VALUES (?)", userId);
          this.ledger.adopt(userId, older);
          importKeys(this.ctx.storage.sql, older.keys);
        }
        return true;
      });
    });
  }

  private async askPreviousHolder(userId: string): Promise<HandedUser> {
    const shard = this.requireBound();
    const previous = shard.epoch - 1;
    if (previous === 0 && this.roomHoldsNothing === true) return { liked: false, likedAt: null, keys: [] };
    if (previous === 0) return HandedUser.parse(await roomFor(this.env, shard.target).handOverLike({ target: shard.target, userId }));
    const k = shardIndex(userId, shard.layout[previous]!);
    const address = { target: shard.target, epoch: previous, k, layout: shard.layout.slice(0, previous + 1) };
    return HandedUser.parse(await shardStub(this.env, shard.target, previous, k).handOver({ address, userId }));
  }

  private isHeld(userId: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM like_held WHERE user_id = ?", userId).toArray().length > 0;
  }

  private checkRate(userId: string, now: number): RoomError | null {
    const waitMs = this.limiter.take(userId, now);
    if (waitMs === null) return null;
    return { status: 429, code: "rate_limited", message: "over the likes limit for this target", retryAfterSeconds: Math.ceil(waitMs / 1000) };
  }

  /** Writes that schedule nothing (handoffs, adoptions, scrubs): the write path's transaction alone. */
  private commit<T>(work: () => T): T {
    return this.writes.transact(work).value;
  }

  /**
   * The target's total after this shard's latest change. A failed report does not fail the
   * write (it is committed): the answer estimates from the last total and the alarm retries,
   * so the room's sum is exact again once the report lands.
   */
  private async currentTotal(changed: boolean): Promise<TargetTotal> {
    if (!changed && this.lastTotal !== null && this.lastTotal.count === this.ledger.count) return this.lastTotal.total;
    try {
      return await this.reporter.report();
    } catch (error) {
      logEvent("shard_report_failed", { shard: this.name(), error: String(error) });
      await this.jobs.schedule(JOB_REPORT, Date.now() + REPORT_RETRY_DELAY_MS);
      const last = this.lastTotal;
      if (last === null) return { count: this.ledger.count, seq: 0 };
      return { count: Math.max(0, last.total.count + this.ledger.count - last.count), seq: last.total.seq };
    }
  }

  private async sendReport(): Promise<TargetTotal> {
    const shard = this.requireBound();
    const count = this.ledger.count;
    // The shard's likes per minute and hour ride along: the room is where a target's series
    // and its leaderboard report come from, shards or not (docs/analytics.md).
    const series = unreportedBuckets(this.ctx.storage.sql, MAX_SERIES_PER_REPORT);
    const total = await roomFor(this.env, shard.target).reportShardCount({
      target: shard.target,
      epoch: shard.epoch,
      k: shard.k,
      count,
      seq: this.seq.last,
      ...(series.buckets.length === 0 ? {} : { series: series.buckets }),
    });
    markReported(this.ctx.storage.sql, series);
    // A report goes after every batch; old buckets only need to go now and then.
    const now = Date.now();
    if (now - this.seriesPrunedAt > SERIES_PRUNE_INTERVAL_MS) {
      pruneBuckets(this.ctx.storage.sql, now);
      this.seriesPrunedAt = now;
    }
    this.lastTotal = { total, count };
    return total;
  }

  /**
   * A shard keeps its address (with the layout, which its name does not hold) from its first
   * call, for alarms; the call must name the shard the runtime made (`ctx.id.name`). Later calls must name the same shard; their layout may be longer
   * (newer epochs), but only the part up to this epoch matters here and it never changes.
   */
  private bind(address: ShardAddress): BoundShard {
    const own = { target: address.target, epoch: address.epoch, k: address.k, layout: address.layout.slice(0, address.epoch + 1) };
    // The runtime names an object made by idFromName: a first call addressed to another shard
    // must not bind this one to it for good. (An idFromString object has no name; the stored
    // address is its only check.)
    const named = this.ctx.id.name;
    if (named !== undefined && named !== shardName(own.target, own.epoch, own.k)) {
      throw new Error(`shard ${named} was called as ${shardName(own.target, own.epoch, own.k)}`);
    }
    if (this.bound === null) {
      this.meta.set("shard", JSON.stringify(own));
      this.bound = own;
      this.ledger.eventEpoch = own.epoch;
      return own;
    }
    const same =
      this.bound.target === own.target &&
      this.bound.epoch === own.epoch &&
      this.bound.k === own.k &&
      this.bound.layout.every((n, epoch) => own.layout[epoch] === n);
    if (!same) throw new Error(`shard ${this.name()} was called as ${own.target}#${own.epoch}#${own.k}`);
    return this.bound;
  }

  private requireBound(): BoundShard {
    if (this.bound === null) throw new Error("shard has no address yet");
    return this.bound;
  }

  private name(): string {
    return this.bound === null ? "(unbound)" : `${this.bound.target}#${this.bound.epoch}#${this.bound.k}`;
  }
}

declare module "../../platform/env" {
  interface DurableObjectClasses {
    /** Shards of sharded hot targets (durable-objects/shards/, docs/shards.md). */
    LIKE_SHARD: LikeShard;
  }
}
