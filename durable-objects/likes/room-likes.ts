import { applyLikesRouted } from "../../platform/like-router";
import { logEvent } from "../../platform/log";
import type { LikeResult } from "../../protocol/likes";
import { ApplyLikesInput, type LikeOp, type LikeStatus, type OpOutcome, type RoomError, type RoomResult } from "../../protocol/internal/room-rpc";
import type { ShardConfig } from "../../protocol/shards";
import { TargetId, UserId } from "../../protocol/target";
import type { RoomCore } from "../room/room-core";
import { AUTO_SHARDS } from "../shards/hot-target";
import { movedOutcomes } from "../shards/room-sharding";
import { applyWithinRate, refusedOutcome } from "./like-limit";
import { requestIdsOf } from "./request-ids";

/** What the like entry asks of the room's shard corridor: making a hot target sharded. */
export type BecomeSharded = (target: string, n: number) => Promise<RoomResult<ShardConfig>>;

/**
 * A room's likes, from the RPC (platform/like-router.ts) and from its own sockets alike:
 * limits, the ledger inside the write path's transaction, the `likes_applied` line and
 * hot-target detection. A sharded target's likes answer "moved" here and go to its shards.
 */
export class RoomLikes {
  constructor(
    private readonly core: RoomCore,
    private readonly becomeSharded: BecomeSharded,
  ) {}

  /** TargetRoom.applyLikes: parsed, limited, applied, logged. */
  async apply(input: ApplyLikesInput): Promise<OpOutcome[]> {
    const { target, ops, requestId, unlimited } = this.core.input(ApplyLikesInput, input);
    const stored = this.core.read;
    // A sharded target's likes live in its shards; platform/like-router.ts routes them there.
    if (stored?.shards.sharded) return movedOutcomes(ops.length, stored.shards.config);
    const refusals = unlimited === true ? ops.map(() => null) : await this.admit(ops);
    // Refused writes alone do not make a room.
    if (!this.core.stored && refusals.every((refusal) => refusal !== null)) {
      return refusals.map((refusal) => refusedOutcome(refusal!));
    }
    const parts = this.core.parts();
    if (parts.shards.sharded) return movedOutcomes(ops.length, parts.shards.config);
    const outcomes = await this.applyOps(target, ops, requestId, refusals);
    const changed = outcomes.filter((outcome) => outcome.ok && outcome.result.changed).length;
    logEvent("likes_applied", { target, requestId, requestIds: requestIdsOf(ops, requestId), ops: ops.length, changed, seq: parts.seq.last });
    if (this.core.hot?.record(changed) && !parts.shards.sharded) {
      const made = await this.becomeSharded(target, AUTO_SHARDS);
      logEvent("target_became_hot", { target, shards: made.ok ? made.value.n : null });
    }
    return outcomes;
  }

  /** A socket's likes (likes/socket-like.ts): this room's entry, or its shards once sharded. */
  async fromSocket(ops: LikeOp[], requestId: string | undefined): Promise<OpOutcome[]> {
    const target = this.core.target();
    const sharded = this.core.read?.shards;
    if (sharded?.sharded) return applyLikesRouted(this.core.env, target, ops, requestId, sharded.config);
    const outcomes = await this.apply({ target, ops, ...(requestId === undefined ? {} : { requestId }) });
    const moved = outcomes.find((outcome) => !outcome.ok && outcome.error.code === "moved");
    // Sharded while the batch waited: the router takes it from the config the room answered.
    if (moved === undefined || moved.ok || moved.error.code !== "moved") return outcomes;
    return applyLikesRouted(this.core.env, target, ops, requestId, moved.error.shards);
  }

  async status(target: string, userId: string): Promise<LikeStatus> {
    this.core.check(TargetId.parse(target));
    const parts = this.core.read;
    if (parts === null) return { liked: false, likedAt: null };
    const status = parts.ledger.status(UserId.parse(userId));
    // The user may have been handed to a shard, or be about to: only their shard can say.
    return parts.shards.sharded ? { ...status, shards: parts.shards.config } : status;
  }

  private async applyOps(target: string, ops: LikeOp[], requestId: string | undefined, refusals: readonly (RoomError | null)[]): Promise<OpOutcome[]> {
    const { core } = this;
    const parts = core.parts();
    core.counters.opsRequested(ops.length);
    // Every coalesced request's id, so each one's outbox line names it.
    for (const op of ops) if (op.requestId !== undefined && op.requestId !== requestId) core.trail.add(op.requestId);
    return parts.writes.commit((log) => {
      const at = Date.now();
      // A repeated Idempotency-Key goes straight to the ledger, which answers it as the first time.
      const check = (op: LikeOp, i: number) => refusals[i] ?? (this.isReplay(op) ? null : parts.moderation.policy.checkLike(op.userId, at));
      const applied = applyWithinRate(ops, check, (allowed) => parts.ledger.apply(target, allowed));
      for (const change of applied.changes) log.emit(change.seq, at, likeEventOf(change));
      if (ops.some((op) => op.idempotencyKey !== undefined)) log.rememberedIdempotencyKey();
      return applied.outcomes;
    }, requestId);
  }

  /**
   * The limits across rooms for a batch of likes. A room one batch creates is charged to one
   * user: the first whose quota allows it (a batch from the like coalescer mixes users; an
   * abuser's own batch starts with them).
   */
  private async admit(ops: readonly LikeOp[]): Promise<(RoomError | null)[]> {
    const { limits } = this.core;
    const rates = await Promise.all(ops.map((op) => (this.isReplay(op) ? null : limits.takeWrite(op.userId))));
    if (this.core.stored) return rates;
    const refusals = [...rates];
    for (const [i, op] of ops.entries()) {
      if (refusals[i] !== null) continue;
      const quota = await limits.admitNewRoom(op.userId, this.core.target());
      if (quota === null) break;
      refusals[i] = quota;
    }
    return refusals;
  }

  private isReplay(op: LikeOp): boolean {
    return this.core.isReplay(op.userId, op.idempotencyKey, "like");
  }
}

function likeEventOf({ liked, count }: LikeResult) {
  return { kind: liked ? ("like" as const) : ("unlike" as const), count };
}
