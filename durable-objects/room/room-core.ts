import type { z } from "zod";
import type { AppEnv } from "../../platform/env";
import { logEvent } from "../../platform/log";
import type { LiveIdentity, RoomError } from "../../protocol/internal/room-rpc";
import { ADMIN_ROLE } from "../../protocol/moderation";
import { PING_FRAME, PONG_FRAME, type HelloYours } from "../../protocol/live";
import { AlarmJobs } from "../alarm-jobs";
import { yoursOf } from "../comments/yours";
import { LiveBroadcaster } from "../live-broadcaster";
import { ObservedJobs } from "../observed-jobs";
import { ROOM_SUBJECT, reactionCounts } from "../reactions/reaction-counts";
import { RequestTrail } from "../request-trail";
import { RoomMetrics } from "../room-metrics";
import { RoomSockets, type RoomSocketsDeps, type RoomState } from "../room-sockets";
import { hotThresholdFrom } from "../shards/room-sharding";
import { HotTargetDetector } from "../shards/hot-target";
import { hasRoomSchema, unwrittenReplay, unwrittenState } from "../unwritten-room";
import { UserLimits } from "../users/user-limits";
import type { ChangeLog } from "../write-path/change-log";
import { WRITE_JOBS } from "../write-path/write-path";
import { RoomParts } from "./room-parts";

/**
 * How long the room's alarm waits for broadcasts in flight before running its jobs anyway:
 * under a steady stream of likes to thousands of sockets there may be no gap at all, and the
 * outbox (hence the user index, held to 2 s) must not starve.
 */
export const JOBS_WAIT_FOR_BROADCAST_MAX_MS = 1_000;

/** The socket writes, answered by the same entries as the RPC methods (likes/, room/). */
export type SocketWrites = Pick<RoomSocketsDeps, "like" | "comment" | "react">;

/**
 * What every corridor of a room shares: its target, its stored parts (or none, while it was
 * never written), its alarm jobs, sockets and counters. The RPC facades (room/*-rpc.ts,
 * likes/room-likes.ts) stand on it; TargetRoom only wires them to the runtime.
 */
export class RoomCore {
  readonly jobs: AlarmJobs;
  readonly sockets: RoomSockets;
  readonly live: LiveBroadcaster;
  /** Per-user limits across rooms; asked before a write, after its idempotency lookup. */
  readonly limits: UserLimits;
  /** Operational counters for `metrics()`; memory only (see RoomMetrics). */
  readonly counters = new RoomMetrics();
  /** Request ids whose writes the outbox still carries, for its log lines. */
  readonly trail = new RequestTrail([WRITE_JOBS.outbox]);
  readonly observed = new ObservedJobs(this.trail);
  readonly hot: HotTargetDetector | null;
  private own: RoomParts | null = null;
  /**
   * The runtime names an object addressed with idFromName (`ctx.id.name`), so the room knows
   * its target from birth, alarms included. An id made with idFromString carries no name:
   * then the stored target, or the first call's, stands in (and every call is checked against it).
   */
  private name: string | null;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: AppEnv,
    writes: SocketWrites,
  ) {
    this.name = ctx.id.name ?? null;
    this.jobs = new AlarmJobs(ctx.storage, (job, error, failures) =>
      logEvent("alarm_job_failed", { target: this.name, job, failures, error: String(error), requestIds: this.observed.requestIds(job) }),
    );
    this.limits = new UserLimits(env);
    const hotThreshold = hotThresholdFrom(env);
    this.hot = hotThreshold === null ? null : new HotTargetDetector(hotThreshold);
    // The runtime answers pings itself, so idle viewers never wake a hibernating room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.sockets = new RoomSockets(ctx, {
      ...writes,
      state: () => this.state(),
      replay: (since, currentSeq) => (this.own !== null ? this.own.ring.plan(since, currentSeq) : unwrittenReplay(since, currentSeq)),
      metrics: this.counters,
      reactionsOf: (userId) => this.reactionsOf(userId),
      yoursOf: (userId) => this.yoursOf(userId),
      viewers: () => this.viewerCount(),
      isModerator: (user) => this.isModerator(user),
      mirror: {
        events: (events) => this.own?.relays.fanout.events(events),
        // An unwritten room has no relays (a room that needs them is stored first, see socket-entry.ts).
        publish: (changes) => this.own?.relays.fanout.publish(changes),
      },
    });
    this.live = new LiveBroadcaster(
      () => ({ count: this.likeCount(), seq: this.lastSeq(), viewers: this.viewerCount() }),
      (changes) => this.sockets.publish(changes),
    );
    // A room that was never written has no schema, and a read must not give it one (see
    // durable-objects/unwritten-room.ts): the first write creates it (`parts`).
    void ctx.blockConcurrencyWhile(async () => {
      if (hasRoomSchema(ctx.storage.sql)) this.open();
    });
  }

  get stored(): boolean {
    return this.own !== null;
  }

  /** The stored parts; every write path comes through here first, so the first write stores the room. */
  parts(): RoomParts {
    return this.own ?? this.open();
  }

  /** The stored parts, or null while the room was never written (a read must not store it). */
  get read(): RoomParts | null {
    return this.own;
  }

  /** Migrates (or creates) the schema and builds the parts over it; once per wake-up. */
  private open(): RoomParts {
    const parts = new RoomParts(this.ctx, this.env, {
      jobs: this.jobs,
      target: () => this.target(),
      announce: (log, requestId) => this.announce(log, requestId),
    });
    const stored = parts.meta.get("target");
    if (stored !== undefined && this.name !== null && stored !== this.name) throw new Error(`room for ${stored} was addressed as ${this.name}`);
    if (stored !== undefined) this.name = stored;
    else if (this.name !== null) parts.meta.set("target", this.name);
    this.own = parts;
    return parts;
  }

  /**
   * Every RPC input names its target: parsed first, then checked against the room's own name
   * (an idFromString room without a name yet takes the first one it is called with).
   */
  input<T extends { target: string }>(schema: z.ZodType<T>, input: unknown): T {
    const parsed = schema.parse(input);
    this.check(parsed.target);
    return parsed;
  }

  check(target: string): void {
    if (this.name === target) return;
    if (this.name !== null) throw new Error(`room for ${this.name} was called as ${target}`);
    // An unwritten room keeps the name in memory; `open` writes it with the schema.
    this.own?.meta.set("target", target);
    this.name = target;
  }

  target(): string {
    if (this.name === null) throw new Error("room has no target yet");
    return this.name;
  }

  get targetOrNull(): string | null {
    return this.name;
  }

  /** The room's own likes plus every shard's last report: the count everyone sees. */
  likeCount(): number {
    return this.own?.likeCount ?? 0;
  }

  lastSeq(): number {
    return this.own?.seq.last ?? 0;
  }

  /** Viewers everywhere: the room's own sockets plus what its relays last reported. */
  viewerCount(): number {
    return this.sockets.viewerCount() + (this.own?.relays.viewers ?? 0);
  }

  state(): RoomState {
    const parts = this.own;
    if (parts === null) return unwrittenState(this.name);
    return {
      target: this.name ?? "",
      count: parts.likeCount,
      seq: parts.seq.last,
      comments: parts.comments.store.visibleCount,
      reactions: reactionCounts(this.ctx.storage.sql, ROOM_SUBJECT),
      pinned: this.name === null ? null : parts.comments.pinned(this.name),
      settings: parts.settings.read(),
    };
  }

  /** Owner, listed moderator or `admin` token (RoomRoles.isModerator); an unwritten room has only admins. */
  isModerator(user: LiveIdentity): boolean {
    return this.own?.moderation.isModerator(user) ?? user.roles.includes(ADMIN_ROLE);
  }

  /** The room's own reactions (not its comments') a user holds: the hello's `mine`. */
  reactionsOf(userId: string): string[] {
    // An unwritten room has no reactions table yet (and no reactions).
    return this.own?.reactionsLedger.heldBy(ROOM_SUBJECT, userId) ?? [];
  }

  /** A user's comments shown to them alone (comments/yours.ts): the hello's `yours`. */
  yoursOf(userId: string): HelloYours | undefined {
    // An unwritten room holds no comments, held or shadowed.
    return this.own === null ? undefined : yoursOf(this.own.comments.held.store, this.name ?? "", userId);
  }

  isReplay(userId: string, key: string | undefined, kind: "like" | "comment" | "react"): boolean {
    return this.own?.isReplay(userId, key, kind) ?? false;
  }

  /**
   * The limits across rooms for one write of `userId`, unless it repeats an Idempotency-Key
   * (that answer is already stored, and its repeat must get it whatever the limits say now,
   * using no budget): the user's write rate, and, when this write would create the room, their
   * daily quota of new rooms.
   */
  /** A ban kept after the user was erased (moderation/erased-bans.ts); only a stored room holds one. */
  async erasedBan(userId: string): Promise<RoomError | null> {
    const parts = this.read;
    return parts === null ? null : parts.moderation.erasedBans.check(userId, Date.now());
  }

  async admitWriter(userId: string, repeat: boolean): Promise<RoomError | null> {
    if (repeat) return null;
    const rate = await this.limits.takeWrite(userId);
    if (rate !== null || this.stored) return rate;
    return this.limits.admitNewRoom(userId, this.target());
  }

  /**
   * A room with no sockets has no one to tell; skipping the timer also lets an idle room's
   * isolate go quiet instead of holding a pending timeout after every write.
   */
  notifyViewers(): void {
    if (this.sockets.viewerCount() > 0 || this.own?.relays.busy === true) this.live.changed();
  }

  /**
   * A user's role changed: their sockets here are filtered by the new one from the next event
   * on. A user who moderates now has no place on a relay (socket-entry.ts): their relayed
   * sockets are closed with CLOSE_CODES.moved, and the client's reconnect lands in the room.
   */
  private followRole(userId: string): void {
    const parts = this.own;
    if (parts === null) return;
    this.sockets.followRole(userId, (user) => this.isModerator(user));
    if (!parts.moderation.isModerator({ userId, name: userId, roles: [] })) return;
    this.ctx.waitUntil(parts.relays.closeSocketsOf(this.target(), userId));
  }

  /**
   * Resolves after the broadcasts in flight (and a count flush already pending) have sent
   * their last slice, or after JOBS_WAIT_FOR_BROADCAST_MAX_MS. Background jobs (outbox send,
   * analytics report, sweeps) wait for it, so their work, and the queue consumer's that the
   * outbox starts, never lands between a like and its broadcast to the last socket.
   */
  async broadcastsSent(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, JOBS_WAIT_FOR_BROADCAST_MAX_MS)));
    const sent = (async () => {
      await this.live.settled();
      await this.sockets.sent();
    })();
    await Promise.race([sent, cap]);
    clearTimeout(timer);
  }

  /** The room's step of every commit that changed storage (write-path/write-path.ts). */
  private announce(log: ChangeLog, requestId: string | undefined): void {
    this.counters.committed(log.events.filter((entry) => entry.event.kind === "like" || entry.event.kind === "unlike").length);
    this.trail.add(requestId);
    // Before this commit's events go out: they are sent by the roles it left.
    for (const userId of log.roleChanges) this.followRole(userId);
    const events = log.liveEvents();
    if (events.length > 0) this.sockets.broadcastEvents(events);
    this.notifyViewers();
  }
}
