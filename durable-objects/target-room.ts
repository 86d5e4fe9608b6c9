import type { LikeResult } from "../protocol/likes";
import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "../workers/env";
import { TargetId, UserId } from "../protocol/target";
import {
  ApplyLikesInput,
  LIVE_IDENTITY_HEADER,
  LiveIdentity,
  LiveRoomQuery,
  type LikeOp,
  type LikeStatus,
  type OpOutcome,
  type RoomSnapshot,
} from "../protocol/room-rpc";
import { PING_FRAME, PONG_FRAME } from "../protocol/live";
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
import { ReplayRing, type RingEvent } from "./replay-ring";
import { LiveBroadcaster } from "./live-broadcaster";
import { RoomSockets } from "./room-sockets";

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
  private ring!: ReplayRing;
  private readonly jobs: AlarmJobs;
  private readonly sockets: RoomSockets;
  private readonly live: LiveBroadcaster;
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
    // The runtime answers pings itself, so idle viewers never wake a hibernating room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.sockets = new RoomSockets(ctx, {
      state: () => ({ target: this.target ?? "", count: this.ledger.count, seq: this.ledger.lastSeq }),
      replay: (since, currentSeq) => this.ring.plan(since, currentSeq),
      write: async (userId, action) => {
        const [outcome] = await this.applyOps(this.boundTarget(), [{ userId, action }]);
        if (!outcome) throw new Error("ledger answered no outcome");
        return outcome;
      },
    });
    this.live = new LiveBroadcaster(
      () => ({ count: this.ledger.count, seq: this.ledger.lastSeq, viewers: this.sockets.viewerCount() }),
      (changes) => this.sockets.publish(changes),
    );
    void ctx.blockConcurrencyWhile(async () => {
      migrateRoomSchema(ctx.storage.sql);
      this.ledger = new LikesLedger(ctx.storage.sql);
      this.ring = new ReplayRing(ctx.storage.sql);
      this.target = this.readTarget();
    });
  }

  async applyLikes(input: ApplyLikesInput): Promise<OpOutcome[]> {
    const { target, ops } = ApplyLikesInput.parse(input);
    this.bindTarget(target);
    return this.applyOps(target, ops);
  }

  async snapshot(target: string): Promise<RoomSnapshot> {
    this.bindTarget(TargetId.parse(target));
    return { target, likes: this.ledger.count, seq: this.ledger.lastSeq, viewers: this.sockets.viewerCount() };
  }

  /** Only for the WebSocket upgrade of `/v1/targets/:target/live`; everything else is RPC. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: { code: "upgrade_required", message: "expected a WebSocket upgrade" } }, { status: 426 });
    }
    const query = LiveRoomQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) {
      return Response.json({ error: { code: "invalid_request", message: "invalid live upgrade" } }, { status: 400 });
    }
    const user = parseIdentity(request.headers.get(LIVE_IDENTITY_HEADER));
    this.bindTarget(query.data.target);
    const response = this.sockets.accept(user, query.data.since);
    this.live.changed();
    return response;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.sockets.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.sockets.onClose(ws, code);
    this.live.changed();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.sockets.onClose(ws, 1006);
    this.live.changed();
  }

  /**
   * The one write path for RPC and socket writes: ledger and replay ring change in one
   * transaction, then the coalesced broadcast is scheduled.
   */
  private async applyOps(target: string, ops: LikeOp[]): Promise<OpOutcome[]> {
    const { outcomes, changes } = this.ctx.storage.transactionSync(() => {
      const applied = this.ledger.apply(target, ops);
      if (applied.changes.length > 0) {
        this.ring.append(ringEventsOf(applied.changes, Date.now()));
        this.ring.trim(this.ledger.lastSeq);
      }
      return applied;
    });
    if (changes.length > 0) {
      this.notifyViewers();
      const now = Date.now();
      await this.jobs.schedule(JOB_CHECKPOINT, now + CHECKPOINT_DELAY_MS);
      await this.jobs.schedule(JOB_OUTBOX, now + OUTBOX_DELAY_MS);
    }
    if (ops.some((op) => op.idempotencyKey !== undefined) && !this.jobs.isScheduled(JOB_IDEMPOTENCY_SWEEP)) {
      await this.jobs.schedule(JOB_IDEMPOTENCY_SWEEP, Date.now() + IDEMPOTENCY_TTL_MS);
    }
    return outcomes;
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
    if (result.likesRemoved > 0) this.notifyViewers();
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
    // Every change schedules a checkpoint, so this is the wake-up after an eviction that
    // may have dropped a pending broadcast timer: flush whatever sockets have not seen.
    this.notifyViewers();
  }

  /**
   * A room with no sockets has no one to tell; skipping the timer also lets an idle room's
   * isolate go quiet instead of holding a pending timeout after every write.
   */
  private notifyViewers(): void {
    if (this.ctx.getWebSockets().length > 0) this.live.changed();
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

  private boundTarget(): string {
    if (this.target === null) throw new Error("room has no target yet");
    return this.target;
  }

  private readTarget(): string | null {
    const row = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'target'").toArray()[0];
    return row?.value ?? null;
  }
}

function parseIdentity(header: string | null): LiveIdentity | null {
  if (header === null) return null;
  try {
    const parsed = LiveIdentity.safeParse(JSON.parse(header));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function ringEventsOf(changes: readonly LikeResult[], at: number): RingEvent[] {
  return changes.map(({ liked, count, seq }) => ({ seq, at, event: { kind: liked ? "like" : "unlike", count } }));
}
