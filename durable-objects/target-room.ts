import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "../workers/env";
import { TargetId, UserId } from "../protocol/target";
import { ApplyLikesInput, type LikeStatus, type OpOutcome, type RoomSnapshot } from "../protocol/room-rpc";
import { migrateRoomSchema } from "./room-migrations";
import { LikesLedger } from "./likes-ledger";
import { AlarmJobs } from "./alarm-jobs";
import { checkpointToD1 } from "./d1-checkpoint";
import { shipOutbox } from "./outbox";
import { IDEMPOTENCY_TTL_MS } from "./idempotency";
import { logEvent } from "../workers/log";
import { ForgetUserInput, LikeIndexPageInput, type ForgetUserResult, type LikeIndexPage } from "../protocol/deletion";
import { forgetUserInRoom } from "./forget-user";
import { readLikeIndexPage } from "./like-index";

/** D1 may lag a room by at most this much plus one D1 round trip (the contract says < 2 s). */
export const CHECKPOINT_DELAY_MS = 500;
const OUTBOX_DELAY_MS = 250;
const IDEMPOTENCY_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

const JOB_CHECKPOINT = "d1-checkpoint";
const JOB_OUTBOX = "outbox";
const JOB_IDEMPOTENCY_SWEEP = "idempotency-sweep";

/**
 * One target (post, game, stream or comment). Its SQLite storage is the truth; the count in
 * memory is a cache rebuilt from storage whenever the object wakes up.
 */
export class TargetRoom extends DurableObject<AppEnv> {
  private ledger!: LikesLedger;
  private readonly jobs: AlarmJobs;
  private target: string | null = null;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.jobs = new AlarmJobs(ctx.storage, (job, error, failures) =>
      logEvent("alarm_job_failed", { target: this.target, job, failures, error: String(error) }),
    );
    this.jobs.register(JOB_CHECKPOINT, () => this.runCheckpoint());
    this.jobs.register(JOB_OUTBOX, () => this.runOutbox());
    this.jobs.register(JOB_IDEMPOTENCY_SWEEP, async () => {
      const remaining = this.ledger.idempotencyKeys.purgeExpired();
      return remaining > 0 ? Date.now() + IDEMPOTENCY_SWEEP_INTERVAL_MS : null;
    });
    void ctx.blockConcurrencyWhile(async () => {
      migrateRoomSchema(ctx.storage.sql);
      this.ledger = new LikesLedger(ctx.storage.sql);
      this.target = this.readTarget();
    });
  }

  async applyLikes(input: ApplyLikesInput): Promise<OpOutcome[]> {
    const { target, ops } = ApplyLikesInput.parse(input);
    this.bindTarget(target);
    const { outcomes, changed } = this.ctx.storage.transactionSync(() => this.ledger.apply(target, ops));
    if (changed > 0) {
      const now = Date.now();
      await this.jobs.schedule(JOB_CHECKPOINT, now + CHECKPOINT_DELAY_MS);
      await this.jobs.schedule(JOB_OUTBOX, now + OUTBOX_DELAY_MS);
    }
    if (ops.some((op) => op.idempotencyKey !== undefined) && !this.jobs.isScheduled(JOB_IDEMPOTENCY_SWEEP)) {
      await this.jobs.schedule(JOB_IDEMPOTENCY_SWEEP, Date.now() + IDEMPOTENCY_TTL_MS);
    }
    return outcomes;
  }

  async snapshot(target: string): Promise<RoomSnapshot> {
    this.bindTarget(TargetId.parse(target));
    return { target, likes: this.ledger.count, seq: this.ledger.lastSeq };
  }

  async likeStatus(target: string, userId: string): Promise<LikeStatus> {
    this.bindTarget(TargetId.parse(target));
    return this.ledger.status(UserId.parse(userId));
  }

  /** Part of a user's deletion (workers/deletion/): erases what this room holds about them. */
  async forgetUser(input: ForgetUserInput): Promise<ForgetUserResult> {
    const { target, userId } = ForgetUserInput.parse(input);
    this.bindTarget(target);
    const result = this.ctx.storage.transactionSync(() => forgetUserInRoom(this.ctx.storage.sql, this.ledger, target, userId));
    if (result.likesRemoved > 0 || result.outboxAnonymised > 0) {
      const now = Date.now();
      await this.jobs.schedule(JOB_CHECKPOINT, now + CHECKPOINT_DELAY_MS);
      await this.jobs.schedule(JOB_OUTBOX, now + OUTBOX_DELAY_MS);
    }
    return result;
  }

  /** The truth that reconciliation (workers/reconcile.ts) copies into D1 when D1 drifted. */
  async likeIndexPage(input: LikeIndexPageInput): Promise<LikeIndexPage> {
    const { target, afterUserId, limit } = LikeIndexPageInput.parse(input);
    this.bindTarget(target);
    return readLikeIndexPage(this.ctx.storage.sql, this.ledger, afterUserId, limit);
  }

  override async alarm(): Promise<void> {
    await this.jobs.runDue();
  }

  private async runCheckpoint(): Promise<number | null> {
    if (this.target === null) return null;
    const { written, more } = await checkpointToD1(this.env.DB, this.ctx.storage.sql, {
      target: this.target,
      likes: this.ledger.count,
      seq: this.ledger.lastSeq,
    });
    logEvent("checkpoint", { target: this.target, rows: written, seq: this.ledger.lastSeq, more });
    return more ? Date.now() : null;
  }

  private async runOutbox(): Promise<number | null> {
    const { sent, more } = await shipOutbox(this.env.EVENTS, this.ctx.storage.sql);
    if (sent > 0) logEvent("outbox_sent", { target: this.target, events: sent, more });
    return more ? Date.now() : null;
  }

  /**
   * A room learns its own target name from its first call (idFromName does not hand the
   * name to the object) and keeps it so that alarms, which carry no arguments, know it too.
   */
  private bindTarget(target: string): void {
    if (this.target === target) return;
    if (this.target !== null) throw new Error(`room for ${this.target} was called as ${target}`);
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('target', ?)", target);
    this.target = target;
  }

  private readTarget(): string | null {
    const row = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'target'").toArray()[0];
    return row?.value ?? null;
  }
}
