import { logEvent } from "../../platform/log";
import { RoomHandOverInput, RoomHandOverManyInput, ShardCountReport, type HandedUser, type TargetTotal } from "../../protocol/internal/shard-rpc";
import type { RoomResult } from "../../protocol/internal/room-rpc";
import { SetShardsInput, UNSHARDED, type ShardConfig } from "../../protocol/shards";
import { TargetId } from "../../protocol/target";
import type { AlarmJobRunner } from "../alarm-jobs";
import { mergeShardBuckets } from "../analytics/series";
import { closeEpochShards } from "../shards/room-sharding";
import { anyLikeKey } from "../shards/moved-users";
import type { RoomParts } from "./room-parts";
import type { RoomCore } from "./room-core";

const CLOSE_EPOCHS_JOB = "close-shard-epochs";
const CLOSE_EPOCHS_RETRY_MS = 1_000;

/**
 * TargetRoom's side of sharding (durable-objects/shards/, docs/shards.md): the config, the
 * shards' count reports and the epoch-0 handoffs of users' likes.
 */
export class ShardRpc {
  private heldNothing = false;

  constructor(private readonly core: RoomCore) {}

  jobs(): Record<string, AlarmJobRunner> {
    return {
      [CLOSE_EPOCHS_JOB]: async () => {
        await this.closeOldEpochs();
        return null;
      },
    };
  }

  /** The target's shard config (platform/like-router.ts reads it, caching it briefly). */
  async config(target: string): Promise<ShardConfig> {
    this.core.check(TargetId.parse(target));
    return this.core.read?.shards.config ?? UNSHARDED;
  }

  /** PUT /v1/admin/targets/:target/shards, or the room itself when the target becomes hot. */
  async set(input: SetShardsInput): Promise<RoomResult<ShardConfig>> {
    const { target, n } = this.core.input(SetShardsInput, input);
    const parts = this.core.parts();
    const result = await parts.writes.commit(() => parts.shards.setShardCount(n));
    if (!result.ok) return result;
    if (result.changed) {
      logEvent("shards_set", { target, epoch: result.config.epoch, n: result.config.n });
      await this.closeOldEpochs().catch(() => this.core.jobs.schedule(CLOSE_EPOCHS_JOB, Date.now() + CLOSE_EPOCHS_RETRY_MS));
    }
    return { ok: true, value: result.config };
  }

  /** A shard's count after one of its batches; answers the target's total for its callers. */
  async reportCount(input: ShardCountReport): Promise<TargetTotal> {
    const report = this.core.input(ShardCountReport, input);
    const parts = this.core.parts();
    if (!parts.shards.knows(report)) logEvent("shard_report_refused", { target: report.target, epoch: report.epoch, k: report.k });
    return parts.writes.commit((log) => {
      const before = parts.likeCount;
      // Merged whatever the count says: a shard's series grows with an unlike too.
      if (report.series !== undefined && parts.shards.knows(report) && mergeShardBuckets(this.core.ctx.storage.sql, report.epoch, report.k, report.series)) log.touch();
      if (parts.shards.record(report)) {
        const count = parts.likeCount;
        log.emit(parts.seq.next(), Date.now(), { kind: count > before ? "like" : "unlike", count });
      }
      return { count: parts.likeCount, seq: parts.seq.last };
    });
  }

  /**
   * Epoch 0's holder of a sharded target: hands users' likes to their shards in epoch 1, in
   * one transaction, answering in the order asked. Idempotent through the moved marker
   * (durable-objects/shards/moved-users.ts).
   */
  async handOver(input: RoomHandOverManyInput): Promise<HandedUser[]> {
    const { target, userIds } = this.core.input(RoomHandOverManyInput, input);
    const parts = this.shardedParts(target);
    if (this.holdsNothing(parts)) return userIds.map(() => ({ liked: false, likedAt: null, keys: [] }));
    // A user the room holds nothing of (no like, no like key) is answered without a marker: a
    // sharded room takes no like any more, so that answer can never change, while a marker per
    // new liker would write a row in this one object for every liker of the hot target the
    // shards exist to spread (issue 20's sharded_vs_single). Only users it holds something of
    // are released and marked, in one transaction.
    const read = userIds.map((userId) => parts.movedLikes.find(userId) ?? parts.movedLikes.ifNeverHeld(userId, parts.ledger.status(userId)));
    if (read.every((answer) => answer !== null)) return read.filter((answer): answer is HandedUser => answer !== null);
    return parts.writes.commit((log) =>
      userIds.map((userId, i) => {
        const known = read[i] ?? parts.movedLikes.find(userId);
        if (known) return known;
        const status = parts.ledger.release(userId);
        if (status.liked) log.touch();
        return parts.movedLikes.mark(userId, status);
      }),
    );
  }

  /**
   * Whether every handoff from this room is "never liked" for good (it holds no like, key or
   * marker and, sharded, takes no like any more): a first-epoch shard asks once per wake-up
   * and then takes its new users in without a call here per batch.
   */
  async holdsNoLikes(target: string): Promise<boolean> {
    const named = TargetId.parse(target);
    this.core.check(named);
    return this.holdsNothing(this.shardedParts(named));
  }

  async handOverOne(input: RoomHandOverInput): Promise<HandedUser> {
    const { target, userId } = RoomHandOverInput.parse(input);
    const [handed] = await this.handOver({ target, userIds: [userId] });
    if (handed === undefined) throw new Error("a handoff answered no user");
    return handed;
  }

  /**
   * True once the room holds no like, no like key and no handoff marker, as a target sharded
   * before its first like does from the start: every handoff is then "never liked" without a
   * statement per user. A sharded room takes no like any more, so once true it stays true.
   */
  private holdsNothing(parts: RoomParts): boolean {
    if (this.heldNothing) return true;
    if (parts.ledger.count > 0 || parts.movedLikes.any() || anyLikeKey(this.core.ctx.storage.sql)) return false;
    this.heldNothing = true;
    return true;
  }

  private shardedParts(target: string): RoomParts {
    const parts = this.core.parts();
    if (!parts.shards.sharded) throw new Error(`${target} is not sharded; nothing asks the room for a handoff`);
    return parts;
  }

  private async closeOldEpochs(): Promise<void> {
    const target = this.core.target();
    const { shards } = this.core.parts();
    for (const { epoch, n } of shards.epochsToClose()) {
      await closeEpochShards(this.core.env, target, epoch, n, shards.config.layout);
      shards.markClosedThrough(epoch);
    }
  }
}
