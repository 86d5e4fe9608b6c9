import type { LikeResult } from "../protocol/likes";
import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "../platform/env";
import { TargetId, UserId } from "../protocol/target";
import {
  ApplyLikesInput,
  LIVE_IDENTITY_HEADER,
  LIVE_TICKET_HEADER,
  LiveIdentity,
  LiveRoomQuery,
  type LikeOp,
  type LikeStatus,
  type OpOutcome,
  type RoomError,
  type RoomResult,
  type RoomSnapshot,
} from "../protocol/internal/room-rpc";
import { PING_FRAME, PONG_FRAME } from "../protocol/live";
import { migrateRoomSchema } from "./room-migrations";
import { LikesLedger } from "./likes-ledger";
import { AlarmJobs } from "./alarm-jobs";
import { ROOM_PRODUCER, shipOutbox } from "./outbox";
import { IDEMPOTENCY_TTL_MS, idempotencyScope } from "./idempotency";
import { UserLimits } from "./users/user-limits";
import { ADMIN_ROLE, type Actor } from "../protocol/moderation";
import { logEvent } from "../platform/log";
import { TICKET_SWEEP_JOB, UsedTickets, type Admission } from "./used-tickets";
import { identityFrom } from "./identity-header";
import { ForgetUserInput, type ForgetUserResult } from "../protocol/deletion";
import { forgetUserInRoom } from "./forget-user";
import { forgetUserBeforeInRoom } from "./forget-before";
import { readLikeTruth } from "./recent-unlikes";
import { LikeTruthPageInput, TouchedUsersPageInput, type LikeTruthPage, type TouchedUsersPage } from "../protocol/internal/like-truth";
import { readTouchedUsers } from "./touched-users";
import { ReplayRing } from "./replay-ring";
import { LiveBroadcaster } from "./live-broadcaster";
import { RoomSockets, type RoomState } from "./room-sockets";
import { RoomMeta } from "./room-meta";
import { RoomSeq } from "./room-seq";
import { ChangeLog } from "./change-log";
import { SettingsStore } from "./moderation/settings-store";
import { reactionCounts, ROOM_SUBJECT } from "./reactions/reaction-counts";
import { RoomComments, type CommentGate } from "./comments/room-comments";
import { CommentArchive } from "./comments/comment-archive";
import { LegacyComments } from "./comments/legacy-comments";
import { ImportArchivedCommentsInput, type ImportArchivedCommentsResult } from "../protocol/comment-backfill";
import {
  CommentActionInput,
  CommentLookupInput,
  CreateCommentInput,
  HighlightInput,
  EditCommentInput,
  type CommentEdits,
  ListCommentsInput,
  PinInput,
  TopCommentsInput,
  type Comment,
  type RoomCommentsPage,
} from "../protocol/comments";
import { ReactionsLedger } from "./reactions/reactions-ledger";
import { RoomReactions } from "./reactions/room-reactions";
import { bindPendingComments, COMMENT_BINDINGS_JOB, scheduleCommentBindings } from "./reactions/comment-bindings";
import { roomFor } from "../platform/rooms";
import type { ReactionResult } from "../protocol/reactions";
import {
  BindParentInput,
  ReactInput,
  ReactionCountsInput,
  ReactionUsersInput,
  type ReactionUsersSlice,
} from "../protocol/internal/reaction-rpc";
import { ModerationDesk } from "./moderation/moderation-desk";
import { rateLimitsFrom } from "./moderation/rate-limits";
import { applyWithinRate, refusedOutcome } from "./moderation/like-limit";
import { isRepeatedComment } from "./moderation/repeated-comment";
import { ChatModes } from "./moderation/chat-modes";
import { revisionOf } from "./comments/comment-edits";
import { hasOutgoingUserRefs, sendUserRefs, USER_REFS_JOB } from "./moderation/user-ref-sender";
import * as ModerationRpc from "../protocol/internal/moderation-rpc";
import type { z } from "zod";
import { RoomMetrics } from "./room-metrics";
import { RequestTrail } from "./request-trail";
import { ObservedJobs } from "./observed-jobs";
import { OutboxBacklogReporter, readOutboxBacklog } from "./outbox-backlog";
import { REQUEST_ID_HEADER, RequestId, type RoomMetricsReport } from "../protocol/operations";
import { SetShardsInput, type ShardConfig } from "../protocol/shards";
import { RoomHandOverInput, RoomHandOverManyInput, ShardCountReport, type HandedUser, type TargetTotal } from "../protocol/internal/shard-rpc";
import { RoomShards } from "./shards/room-shards";
import { MovedUsers } from "./shards/moved-users";
import { AUTO_SHARDS, HotTargetDetector } from "./shards/hot-target";
import { closeEpochShards, forgetInShards, hotThresholdFrom, movedOutcomes } from "./shards/room-sharding";
import { applyLikesRouted } from "../platform/like-router";
import { RoomRelays } from "./relays/room-relays";
import { type RelaysResponse } from "../protocol/relays";
import { RelayCatchUpInput, RelayReport, RelayWelcomeInput, SetRelaysInput } from "../protocol/internal/relay-rpc";
import type { PreparedHello } from "./room-sockets";
import {
  forModeratorsOnly,
  hasRoomSchema,
  noSuchComment,
  NOT_A_MODERATOR,
  nothingToForget,
  unwrittenInfo,
  unwrittenReactionUsers,
  unwrittenReplay,
  unwrittenState,
  UNWRITTEN_COMMENTS,
} from "./unwritten-room";
import { defaultRelaySettings } from "./relays/room-relays";
import { UNSHARDED } from "../protocol/shards";
import { ANALYTICS_REPORT_JOB, SeriesReporter } from "./analytics/series-reporter";
import { mergeShardBuckets, readBuckets } from "./analytics/series";
import { SeriesBucketsInput, type SeriesBucket } from "../protocol/internal/analytics-rpc";
import { leaderboardFor } from "../platform/leaderboards";
import { usableSubjectSecret } from "../platform/subject-hash";

const OUTBOX_DELAY_MS = 250;
const IDEMPOTENCY_SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** Comments a room keeps in its own storage; older pages are in R2 (comments/comment-archive.ts). */
const DEFAULT_COMMENT_RETENTION = 5_000;
/** Soon after a write, so a burst of comments leaves in full pages. */
const COMMENT_ARCHIVE_DELAY_MS = 500;
const COMMENT_ARCHIVE_PAGES_PER_RUN = 10;

const JOB_OUTBOX = "outbox";
const JOB_IDEMPOTENCY_SWEEP = "idempotency-sweep";
const JOB_CLOSE_EPOCHS = "close-shard-epochs";
const JOB_COMMENT_ARCHIVE = "comment-archive";
const CLOSE_EPOCHS_RETRY_MS = 1_000;

/**
 * One target (post, game, stream or comment). Its SQLite storage is the truth; the counts in
 * memory are caches rebuilt from storage whenever the object wakes up.
 */
export class TargetRoom extends DurableObject<AppEnv> {
  private meta!: RoomMeta;
  private seq!: RoomSeq;
  private ledger!: LikesLedger;
  private ring!: ReplayRing;
  private settings!: SettingsStore;
  private chatModes!: ChatModes;
  private comments!: RoomComments;
  private reactionsLedger!: ReactionsLedger;
  private reactions!: RoomReactions;
  private moderation!: ModerationDesk;
  private readonly jobs: AlarmJobs;
  private readonly sockets: RoomSockets;
  private readonly live: LiveBroadcaster;
  /** Per-user limits across rooms; asked before a write, after its idempotency lookup. */
  private readonly limits: UserLimits;
  private target: string | null = null;
  /** False until the room's first write gives it a schema (durable-objects/unwritten-room.ts). */
  private stored = false;
  /** Operational counters for `metrics()`; memory only (see RoomMetrics). */
  private readonly counters = new RoomMetrics();
  /** Request ids whose writes the outbox still carries, for its log lines. */
  private readonly trail = new RequestTrail([JOB_OUTBOX]);
  private readonly observed = new ObservedJobs(this.trail);
  private backlogReporter!: OutboxBacklogReporter;
  /** Sharded hot targets (durable-objects/shards/, docs/shards.md). */
  private shards!: RoomShards;
  private movedLikes!: MovedUsers;
  private readonly hot: HotTargetDetector | null;
  /** Relay fan-out for huge rooms (durable-objects/relays/, docs/relays.md). */
  private relays!: RoomRelays;
  private usedTickets!: UsedTickets;
  /** The target's analytics series to its leaderboard partition (durable-objects/analytics/). */
  private seriesReporter!: SeriesReporter;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.jobs = new AlarmJobs(ctx.storage, (job, error, failures) =>
      logEvent("alarm_job_failed", { target: this.target, job, failures, error: String(error), requestIds: this.observed.requestIds(job) }),
    );
    // The backlog report runs after failed sends too: that is when a backlog starts.
    this.jobs.register(JOB_OUTBOX, this.observed.wrap(JOB_OUTBOX, () => this.runOutbox(), { ...this.counters.outboxHooks(), after: () => this.reportOutboxBacklog() }));
    this.jobs.register(JOB_IDEMPOTENCY_SWEEP, async () => {
      const remaining = this.ledger.idempotencyKeys.purgeExpired();
      return remaining > 0 ? Date.now() + IDEMPOTENCY_SWEEP_INTERVAL_MS : null;
    });
    this.jobs.register(COMMENT_BINDINGS_JOB, () => this.bindPendingComments());
    this.jobs.register(JOB_COMMENT_ARCHIVE, () => this.runCommentArchive());
    this.jobs.register(TICKET_SWEEP_JOB, async () => this.usedTickets.sweep(Date.now()));
    this.jobs.register(ANALYTICS_REPORT_JOB, async () => (this.target === null ? null : this.seriesReporter.run(this.target, Date.now())));
    this.jobs.register(USER_REFS_JOB, () => this.runUserRefs());
    this.jobs.register(JOB_CLOSE_EPOCHS, async () => {
      await this.closeOldEpochs();
      return null;
    });
    this.limits = new UserLimits(env);
    const hotThreshold = hotThresholdFrom(env);
    this.hot = hotThreshold === null ? null : new HotTargetDetector(hotThreshold);
    // The runtime answers pings itself, so idle viewers never wake a hibernating room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.sockets = new RoomSockets(ctx, {
      state: () => this.roomState(),
      replay: (since, currentSeq) => (this.stored ? this.ring.plan(since, currentSeq) : unwrittenReplay(since, currentSeq)),
      like: async (identity, action) => {
        const refusal = await this.admitWriter(identity.userId, false);
        if (refusal !== null) return refusedOutcome(refusal);
        this.ensureStored();
        const op = { userId: identity.userId, action };
        const [outcome] = this.shards.sharded
          ? await applyLikesRouted(this.env, this.boundTarget(), [op], undefined, this.shards.config)
          : await this.applyOps(this.boundTarget(), [op]);
        if (!outcome) throw new Error("ledger answered no outcome");
        return outcome;
      },
      comment: (identity, frame) =>
        this.postComment({
          target: this.boundTarget(),
          actor: { userId: identity.userId, name: identity.name, roles: identity.roles },
          text: frame.text,
          ...(frame.replyTo === undefined ? {} : { replyTo: frame.replyTo }),
          // The frame id makes a resent frame (after a reconnect) post once.
          idempotencyKey: frame.id,
        }),
      react: (identity, frame) =>
        this.react({
          target: this.boundTarget(),
          actor: { userId: identity.userId, name: identity.name, roles: identity.roles },
          emoji: frame.emoji,
          action: frame.action,
          idempotencyKey: frame.id,
          ...(frame.commentId === undefined ? {} : { commentId: frame.commentId }),
        }),
      metrics: this.counters,
      reactionsOf: (userId) => this.reactionsOf(userId),
      viewers: () => this.viewerCount(),
      mirror: {
        events: (events) => this.relays.fanout.events(events),
        // An unwritten room has no relays (a room that needs them is stored first, see fetch).
        publish: (changes) => {
          if (this.stored) this.relays.fanout.publish(changes);
        },
      },
    });
    this.live = new LiveBroadcaster(
      () => ({ count: this.likeCount(), seq: this.lastSeq(), viewers: this.viewerCount() }),
      (changes) => this.sockets.publish(changes),
    );
    // A room that was never written has no schema, and a read must not give it one (see
    // durable-objects/unwritten-room.ts): the first write creates it (ensureStored).
    void ctx.blockConcurrencyWhile(async () => {
      if (hasRoomSchema(ctx.storage.sql)) this.openStorage();
    });
  }

  /** Migrates (or creates) the schema and builds the parts over it; once per wake-up. */
  private openStorage(): void {
    migrateRoomSchema(this.ctx.storage.sql);
    this.meta = new RoomMeta(this.ctx.storage.sql);
    this.seq = new RoomSeq(this.meta);
    this.ledger = new LikesLedger(this.ctx.storage.sql, this.meta, this.seq);
    this.ring = new ReplayRing(this.ctx.storage.sql);
    this.settings = new SettingsStore(this.meta);
    const archive = new CommentArchive(this.ctx.storage.sql, this.ctx.storage, () => this.env.COMMENT_ARCHIVE);
    this.chatModes = new ChatModes(this.ctx.storage.sql);
    this.comments = new RoomComments(this.ctx.storage.sql, this.meta, this.seq, this.settings, this.commentGate(), archive);
    this.reactionsLedger = new ReactionsLedger(this.ctx.storage.sql, this.seq, this.ledger.idempotencyKeys, {
      allowed: () => this.settings.read().reactions,
    });
    this.reactions = new RoomReactions(
      this.reactionsLedger,
      this.meta,
      this.ctx.storage.sql,
      (work, requestId) => this.commit(work, requestId),
      (target) => roomFor(this.env, target),
      (input, now) => (this.isReplay(input.actor.userId, input.idempotencyKey, "react") ? null : this.moderation.policy.checkReact(input.actor, now)),
    );
    this.moderation = new ModerationDesk({
      sql: this.ctx.storage.sql,
      meta: this.meta,
      seq: this.seq,
      settings: this.settings,
      limits: rateLimitsFrom(this.env),
      subjectSecret: usableSubjectSecret(this.env),
      target: () => this.boundTarget(),
      commit: (work) => this.commit(work),
    });
    this.backlogReporter = new OutboxBacklogReporter(this.env, this.ctx.storage.sql, this.meta);
    this.shards = new RoomShards(this.ctx.storage.sql, this.meta);
    this.movedLikes = new MovedUsers(this.ctx.storage.sql);
    this.relays = new RoomRelays(this.ctx.storage.sql, this.meta, this.env, () => this.boundTarget());
    this.usedTickets = new UsedTickets(this.ctx.storage.sql);
    this.seriesReporter = new SeriesReporter(this.ctx.storage.sql, this.meta, (report) => leaderboardFor(this.env, report.target).record(report));
    const storedTarget = this.meta.get("target");
    if (storedTarget !== undefined) this.target = storedTarget;
    else if (this.target !== null) this.meta.set("target", this.target);
    this.stored = true;
  }

  /** Every write path comes through here first: the room's storage begins with its first write. */
  private ensureStored(): void {
    if (!this.stored) this.openStorage();
  }

  async applyLikes(input: ApplyLikesInput): Promise<OpOutcome[]> {
    const { target, ops, requestId, unlimited } = ApplyLikesInput.parse(input);
    this.bindTarget(target);
    // A sharded target's likes live in its shards; platform/like-router.ts routes them there.
    if (this.stored && this.shards.sharded) return movedOutcomes(ops.length, this.shards.config);
    const refusals = unlimited === true ? ops.map(() => null) : await this.admitLikes(ops);
    // Refused writes alone do not make a room.
    if (!this.stored && refusals.every((refusal) => refusal !== null)) {
      return refusals.map((refusal) => refusedOutcome(refusal!));
    }
    this.ensureStored();
    if (this.shards.sharded) return movedOutcomes(ops.length, this.shards.config);
    const outcomes = await this.applyOps(target, ops, requestId, refusals);
    const changed = outcomes.filter((outcome) => outcome.ok && outcome.result.changed).length;
    logEvent("likes_applied", { target, requestId, ops: ops.length, changed, seq: this.seq.last });
    if (this.hot?.record(changed) && !this.shards.sharded) {
      const made = await this.setShards({ target, n: AUTO_SHARDS });
      logEvent("target_became_hot", { target, shards: made.ok ? made.value.n : null });
    }
    return outcomes;
  }

  /** The target's analytics buckets of one step in [from, to) (GET /v1/analytics/targets/:target). */
  async seriesBuckets(input: SeriesBucketsInput): Promise<SeriesBucket[]> {
    const { target, stepMs, from, to } = SeriesBucketsInput.parse(input);
    this.bindTarget(target);
    return this.stored ? readBuckets(this.ctx.storage.sql, stepMs, from, to) : [];
  }

  /** Operational counters of this room (GET /v1/admin/targets/:target/metrics). */
  async metrics(target: string): Promise<RoomMetricsReport> {
    this.bindTarget(TargetId.parse(target));
    return this.counters.report({
      target,
      seq: this.lastSeq(),
      openSockets: this.sockets.viewerCount(),
      outbox: this.stored ? readOutboxBacklog(this.ctx.storage.sql) : { events: 0, oldestAt: null },
    });
  }

  async snapshot(target: string): Promise<RoomSnapshot> {
    this.bindTarget(TargetId.parse(target));
    const state = this.roomState();
    return {
      target,
      likes: state.count,
      seq: state.seq,
      viewers: this.viewerCount(),
      comments: state.comments,
      // A comment's own room reports the reactions counted next to the comment in its parent.
      reactions: this.target?.startsWith("comment:") ? await this.targetReactionCounts(target) : state.reactions,
      pinned: state.pinned,
      settings: state.settings,
    };
  }

  /** Only for the WebSocket upgrade of `/v1/targets/:target/live`; everything else is RPC. */
  override async fetch(request: Request): Promise<Response> {
    const requestId = RequestId.safeParse(request.headers.get(REQUEST_ID_HEADER)).data;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      this.socketRefused(requestId, "upgrade_required");
      return Response.json({ error: { code: "upgrade_required", message: "expected a WebSocket upgrade" } }, { status: 426 });
    }
    const query = LiveRoomQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) {
      this.socketRefused(requestId, "invalid_request");
      return Response.json({ error: { code: "invalid_request", message: "invalid live upgrade" } }, { status: 400 });
    }
    this.bindTarget(query.data.target);
    // A signed-in socket spends its ticket in storage, so on a never-written room it is that
    // room's first write, charged to the user's daily quota of new rooms like any other.
    if (!this.stored && request.headers.has(LIVE_TICKET_HEADER)) {
      const viewer = identityFrom(request.headers.get(LIVE_IDENTITY_HEADER));
      const quota = viewer === null ? null : await this.limits.admitNewRoom(viewer.userId, query.data.target);
      if (quota !== null) {
        this.socketRefused(requestId, quota.code);
        return Response.json({ error: { code: quota.code, message: quota.message } }, { status: quota.status });
      }
      this.ensureStored();
    }
    // Every upgrade spends its ticket here, before a relay can take it: a ticket opens one socket.
    // Still unwritten here means no ticket came: an anonymous viewer, with nothing to spend.
    const admission: Admission = this.stored ? this.usedTickets.admit(request.headers, Date.now()) : { ok: true, user: null, ticket: null };
    if (!admission.ok) {
      this.socketRefused(requestId, admission.reason);
      const message = admission.reason === "ticket_used" ? "this ticket already opened a socket" : "ticket expired";
      return Response.json({ error: { code: admission.reason, message } }, { status: admission.reason === "ticket_used" ? 409 : 410 });
    }
    const { user, ticket } = admission;
    if (ticket !== null) await this.jobs.schedule(TICKET_SWEEP_JOB, ticket.expiresAt);
    // Viewers alone never store a room, unless there are so many that relays must take them.
    if (this.sockets.viewerCount() >= defaultRelaySettings(this.env).threshold) this.ensureStored();
    const relay = this.stored ? this.relays.assign(this.sockets.viewerCount()) : null;
    const relayed = relay === null ? null : await this.forwardToRelay(relay, query.data.target, query.data.since, relayUpgrade(request, user), requestId);
    if (relayed !== null) return relayed;
    const response = this.sockets.accept(user, query.data.since);
    this.counters.socketAccepted();
    logEvent("socket_accepted", { target: query.data.target, requestId, userId: user?.userId ?? null });
    this.live.changed();
    return response;
  }

  /**
   * A huge room's new viewer goes to a relay, which accepts the socket itself. If the relay
   * cannot be reached (null), the room takes the viewer: a room over its threshold beats none.
   */
  private async forwardToRelay(k: number, target: string, since: number | undefined, request: Request, requestId: string | undefined): Promise<Response | null> {
    try {
      const { response, viewersChanged } = await this.relays.forward(k, target, since, request);
      logEvent("socket_relayed", { target, requestId, k, status: response.status });
      if (viewersChanged) this.live.changed();
      return response;
    } catch (error) {
      logEvent("relay_forward_failed", { target, requestId, k, error: String(error) });
      return null;
    }
  }

  /** The room's own reactions (not its comments') a user holds: the hello's `mine`. */
  private reactionsOf(userId: string): string[] {
    // An unwritten room has no reactions table yet (and no reactions).
    return this.stored ? this.reactionsLedger.heldBy(ROOM_SUBJECT, userId) : [];
  }

  /** A relay accepting a socket asks for its hello: the same snapshot and replay plan a room socket gets. */
  async relayWelcome(input: RelayWelcomeInput): Promise<PreparedHello> {
    const { target, k, since, userId } = RelayWelcomeInput.parse(input);
    this.bindForWrite(target);
    const state = this.roomState();
    const plan = since === undefined ? { kind: "replay" as const, events: [] } : this.ring.plan(since, state.seq);
    this.relays.fanout.welcomed(k, state.seq);
    // The joining socket is not in any count yet; the relay's 101 answer adds it.
    // The relay holds no reaction ledger: the room names the viewer's own reactions here.
    return { state, plan, viewers: this.viewerCount() + 1, ...(userId === undefined ? {} : { mine: this.reactionsOf(userId) }) };
  }

  /** A relay that missed pushes (or cannot tell) reads the ring from what it has. */
  async relayCatchUp(input: RelayCatchUpInput) {
    const { target, since } = RelayCatchUpInput.parse(input);
    this.bindForWrite(target);
    return { plan: this.ring.plan(since, this.seq.last), seq: this.seq.last };
  }

  /** A relay's open sockets after a viewer left (joins come back on the 101 answer). */
  async relayReport(input: RelayReport): Promise<void> {
    const report = RelayReport.parse(input);
    this.bindForWrite(report.target);
    if (this.relays.report(report)) this.live.changed();
  }

  /** GET /v1/admin/targets/:target/relays */
  async relaySettings(target: string): Promise<RelaysResponse> {
    this.bindTarget(TargetId.parse(target));
    if (!this.stored) return { target, ...defaultRelaySettings(this.env), overridden: false, roomSockets: this.sockets.viewerCount(), relays: [] };
    return this.relays.describe(target, this.sockets.viewerCount());
  }

  /** PUT /v1/admin/targets/:target/relays: this target's threshold and sockets per relay. */
  async setRelaySettings(input: SetRelaysInput): Promise<RelaysResponse> {
    const { target, threshold, perRelay } = SetRelaysInput.parse(input);
    this.bindForWrite(target);
    this.relays.set({ threshold, perRelay });
    return this.relays.describe(target, this.sockets.viewerCount());
  }

  /** Viewers everywhere: the room's own sockets plus what its relays last reported. */
  private viewerCount(): number {
    return this.sockets.viewerCount() + (this.stored ? this.relays.viewers : 0);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.sockets.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, _reason: string, wasClean: boolean): Promise<void> {
    this.sockets.onClose(ws, code, wasClean);
    this.counters.socketClosed();
    this.live.changed();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.sockets.onClose(ws, 1006, false);
    this.counters.socketClosed();
    this.live.changed();
  }

  /**
   * The one write path: `work` changes storage and records what it did in a ChangeLog, all in
   * one transaction with the seq counter and the replay ring. After the commit, events reach
   * live sockets in seq order, counts are broadcast (coalesced), and the outbox's send to the
   * queue is scheduled; no D1 statement on this path (issue 17). If `work` throws, storage
   * rolls back and the in-memory caches are reloaded.
   */
  private async commit<T>(work: (log: ChangeLog) => T, requestId?: string): Promise<T> {
    this.ensureStored();
    const log = new ChangeLog();
    let value: T;
    try {
      value = this.ctx.storage.transactionSync(() => {
        const result = work(log);
        this.seq.flush();
        if (log.events.length > 0) {
          this.ring.append(log.events);
          this.ring.trim(this.seq.last);
        }
        return result;
      });
    } catch (error) {
      this.seq.reload();
      this.ledger.reload();
      this.shards.reload();
      this.settings.invalidate();
      this.chatModes.invalidate();
      this.moderation.erasedBans.invalidate();
      throw error;
    }
    if (log.changed) {
      this.counters.committed(log.events.filter((entry) => entry.event.kind === "like" || entry.event.kind === "unlike").length);
      this.trail.add(requestId);
      const events = log.liveEvents();
      if (events.length > 0) this.sockets.broadcastEvents(events);
      this.notifyViewers();
      const now = Date.now();
      await this.jobs.schedule(JOB_OUTBOX, now + OUTBOX_DELAY_MS);
      await this.jobs.schedule(ANALYTICS_REPORT_JOB, this.seriesReporter.dueAfterChange(now));
    }
    if (log.needsIdempotencySweep) await this.scheduleIdempotencySweep();
    // Some moderation writes log no event (members), so this looks at the table, not the log.
    if (hasOutgoingUserRefs(this.ctx.storage.sql)) await this.jobs.schedule(USER_REFS_JOB, Date.now());
    return value;
  }

  private async scheduleIdempotencySweep(): Promise<void> {
    if (!this.jobs.isScheduled(JOB_IDEMPOTENCY_SWEEP)) await this.jobs.schedule(JOB_IDEMPOTENCY_SWEEP, Date.now() + IDEMPOTENCY_TTL_MS);
  }

  private async applyOps(target: string, ops: LikeOp[], requestId?: string, refusals: readonly (RoomError | null)[] = []): Promise<OpOutcome[]> {
    this.counters.opsRequested(ops.length);
    return this.commit((log) => {
      const at = Date.now();
      // A repeated Idempotency-Key goes straight to the ledger, which answers it as the first time.
      const check = (op: LikeOp, i: number) => refusals[i] ?? (this.isLikeReplay(op) ? null : this.moderation.policy.checkLike(op.userId, at));
      const applied = applyWithinRate(ops, check, (allowed) => this.ledger.apply(target, allowed));
      for (const change of applied.changes) log.emit(change.seq, at, likeEventOf(change));
      if (ops.some((op) => op.idempotencyKey !== undefined)) log.rememberedIdempotencyKey();
      return applied.outcomes;
    }, requestId);
  }

  async createComment(input: CreateCommentInput): Promise<RoomResult<Comment>> {
    const parsed = CreateCommentInput.parse(input);
    this.bindTarget(parsed.target);
    return this.postComment(parsed);
  }

  private async postComment(input: CreateCommentInput): Promise<RoomResult<Comment>> {
    const replay = this.isReplay(input.actor.userId, input.idempotencyKey, "comment");
    const refusal = (await this.admitWriter(input.actor.userId, replay)) ?? (replay ? null : await this.erasedBan(input.actor.userId));
    if (refusal !== null) return { ok: false, error: refusal };
    const result = await this.commit((log) => this.comments.create(log, input, Date.now()), input.requestId);
    // The comment's own room (comment:<id>) learns where its reactions live before the
    // author hears back, so a reaction right after the answer finds it; the alarm job retries
    // whatever this attempt could not bind.
    if (result.ok) {
      const retryAt = await this.bindPendingComments().catch(() => Date.now());
      if (retryAt !== null) await scheduleCommentBindings(this.jobs, retryAt);
      await this.jobs.schedule(JOB_COMMENT_ARCHIVE, Date.now() + COMMENT_ARCHIVE_DELAY_MS);
    }
    return result;
  }

  async listComments(input: ListCommentsInput): Promise<RoomCommentsPage> {
    const { target, before, limit, replyTo } = ListCommentsInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return UNWRITTEN_COMMENTS;
    return this.comments.page(target, { before, limit, replyTo });
  }

  /**
   * The legacy D1 comment backfill (workers/comment-archive-backfill.ts): one page of comments
   * older than anything the room holds goes into its archive. No comments: only `below`.
   */
  async importArchivedComments(input: ImportArchivedCommentsInput): Promise<ImportArchivedCommentsResult> {
    const { target, comments } = ImportArchivedCommentsInput.parse(input);
    this.bindTarget(target);
    if (!this.stored && comments.length === 0) return { imported: 0, pages: 0, below: null };
    this.ensureStored();
    const result = await new LegacyComments(this.ctx.storage.sql, this.comments.archive).importPage(target, comments);
    // Differences from an earlier attempt's object wait in the overlay for the page's next version.
    if (result.pages > 0) await this.jobs.schedule(JOB_COMMENT_ARCHIVE, Date.now() + COMMENT_ARCHIVE_DELAY_MS);
    return result;
  }

  async topComments(input: TopCommentsInput): Promise<(Comment & { score: number })[]> {
    const { target, limit } = TopCommentsInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return [];
    return this.comments.top(target, limit, Date.now());
  }

  async getComment(input: { target: string; commentId: string }): Promise<Comment | null> {
    const { target, commentId } = CommentLookupInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return null;
    return this.comments.get(target, commentId);
  }

  async deleteComment(input: CommentActionInput): Promise<RoomResult<{ id: string; deleted: true }>> {
    const { target, actor, commentId } = CommentActionInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return noSuchComment(actor, commentId, false);
    // A comment old enough to live in R2 only is read before the transaction; the room's
    // overlay then marks it (comments/comment-archive.ts).
    const archived = this.comments.store.find(commentId) === null ? await this.comments.archive.find(target, commentId) : null;
    const removed = await this.commit((log) =>
      archived !== null
        ? this.comments.removeArchived(log, target, actor, archived, Date.now())
        : this.comments.remove(log, target, actor, commentId, Date.now()),
    );
    if (removed.ok) {
      this.relays.redact({ commentIds: [commentId], authorId: null });
      if (archived !== null) await this.jobs.schedule(JOB_COMMENT_ARCHIVE, Date.now() + COMMENT_ARCHIVE_DELAY_MS);
    }
    return removed;
  }

  async highlightComment(input: HighlightInput): Promise<RoomResult<Comment>> {
    const { target, actor, commentId, highlighted } = HighlightInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return noSuchComment(actor, commentId, true);
    return this.commit((log) => this.comments.highlight(log, target, actor, commentId, highlighted, Date.now()));
  }

  async editComment(input: EditCommentInput): Promise<RoomResult<Comment>> {
    const { target, actor, commentId, text, requestId } = EditCommentInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return noSuchComment(actor, commentId, false);
    const result = await this.commit((log) => this.comments.edit(log, target, actor, commentId, text, Date.now(), this.commentRetention()), requestId);
    // The relays' recent events quote the old text too.
    if (result.ok) this.relays.redact({ commentIds: [], authorId: null, revisions: [revisionOf(result.value)] });
    return result;
  }

  async commentEdits(input: CommentActionInput): Promise<RoomResult<CommentEdits>> {
    const { target, actor, commentId } = CommentActionInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return noSuchComment(actor, commentId, false);
    return this.comments.edits(target, actor, commentId);
  }

  async pinComment(input: PinInput): Promise<RoomResult<Comment | null>> {
    const { target, actor, commentId } = PinInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return commentId === null ? forModeratorsOnly(actor, null) : noSuchComment(actor, commentId, true);
    return this.commit((log) => this.comments.pin(log, target, actor, commentId, Date.now()));
  }

  async likeStatus(target: string, userId: string): Promise<LikeStatus> {
    this.bindTarget(TargetId.parse(target));
    if (!this.stored) return { liked: false, likedAt: null };
    const status = this.ledger.status(UserId.parse(userId));
    // The user may have been handed to a shard, or be about to: only their shard can say.
    return this.shards.sharded ? { ...status, shards: this.shards.config } : status;
  }

  /** The target's shard config (platform/like-router.ts reads it, caching it briefly). */
  async shardConfig(target: string): Promise<ShardConfig> {
    this.bindTarget(TargetId.parse(target));
    return this.stored ? this.shards.config : UNSHARDED;
  }

  /** PUT /v1/admin/targets/:target/shards, or the room itself when the target becomes hot. */
  async setShards(input: SetShardsInput): Promise<RoomResult<ShardConfig>> {
    const { target, n } = SetShardsInput.parse(input);
    this.bindForWrite(target);
    const result = await this.commit(() => this.shards.setShardCount(n));
    if (!result.ok) return result;
    if (result.changed) {
      logEvent("shards_set", { target, epoch: result.config.epoch, n: result.config.n });
      await this.closeOldEpochs().catch(() => this.jobs.schedule(JOB_CLOSE_EPOCHS, Date.now() + CLOSE_EPOCHS_RETRY_MS));
    }
    return { ok: true, value: result.config };
  }

  /** A shard's count after one of its batches; answers the target's total for its callers. */
  async reportShardCount(input: ShardCountReport): Promise<TargetTotal> {
    const report = ShardCountReport.parse(input);
    this.bindForWrite(report.target);
    if (!this.shards.knows(report)) logEvent("shard_report_refused", { target: report.target, epoch: report.epoch, k: report.k });
    return this.commit((log) => {
      const before = this.likeCount();
      // Merged whatever the count says: a shard's series grows with an unlike too.
      if (report.series !== undefined && this.shards.knows(report) && mergeShardBuckets(this.ctx.storage.sql, report.epoch, report.k, report.series)) log.touch();
      if (this.shards.record(report)) {
        const count = this.likeCount();
        log.emit(this.seq.next(), Date.now(), { kind: count > before ? "like" : "unlike", count });
      }
      return { count: this.likeCount(), seq: this.seq.last };
    });
  }

  /**
   * Epoch 0's holder of a sharded target: hands a user's like to their shard in epoch 1.
   * Idempotent through the moved marker (durable-objects/shards/moved-users.ts).
   */
  async handOverLike(input: RoomHandOverInput): Promise<HandedUser> {
    const { target, userId } = RoomHandOverInput.parse(input);
    this.bindForWrite(target);
    if (!this.shards.sharded) throw new Error(`${target} is not sharded; nothing asks the room for a handoff`);
    return this.commit((log) => {
      const marked = this.movedLikes.find(userId);
      if (marked !== null) return marked;
      const status = this.ledger.release(userId);
      if (status.liked) log.touch();
      return this.movedLikes.mark(userId, status);
    });
  }

  /** handOverLike for a whole batch, in one transaction; answers in the order asked. */
  async handOverLikes(input: RoomHandOverManyInput): Promise<HandedUser[]> {
    const { target, userIds } = RoomHandOverManyInput.parse(input);
    this.bindForWrite(target);
    if (!this.shards.sharded) throw new Error(`${target} is not sharded; nothing asks the room for a handoff`);
    return this.commit((log) =>
      userIds.map((userId) => {
        const marked = this.movedLikes.find(userId);
        if (marked !== null) return marked;
        const status = this.ledger.release(userId);
        if (status.liked) log.touch();
        return this.movedLikes.mark(userId, status);
      }),
    );
  }

  private async closeOldEpochs(): Promise<void> {
    const target = this.boundTarget();
    for (const { epoch, n } of this.shards.epochsToClose()) {
      await closeEpochShards(this.env, target, epoch, n, this.shards.config.layout);
      this.shards.markClosedThrough(epoch);
    }
  }

  /** The room's own likes plus every shard's last report: the count everyone sees. */
  private likeCount(): number {
    return this.stored ? this.ledger.count + this.shards.count : 0;
  }

  private lastSeq(): number {
    return this.stored ? this.seq.last : 0;
  }

  /** Part of a user's deletion (workers/deletion/): erases what this room holds about them. */
  async forgetUser(input: ForgetUserInput): Promise<ForgetUserResult> {
    const { target, userId, before } = ForgetUserInput.parse(input);
    this.bindTarget(target);
    // Nothing was ever written here, so nothing names the user: answer without storing the room.
    if (!this.stored) return nothingToForget(target);
    const archived = await this.comments.archive.byAuthor(target, userId);
    const banKey = before === undefined ? await this.moderation.erasedBans.keyOf(userId) : null;
    const keepBan = banKey === null ? undefined : (until: number | null) => this.moderation.erasedBans.keep(banKey, until, Date.now());
    const erased = await this.commit((log) => {
      const result =
        before === undefined
          ? forgetUserInRoom(this.ctx.storage.sql, this.ledger, this.reactionsLedger, log, target, userId, keepBan)
          : forgetUserBeforeInRoom(this.ledger, this.reactionsLedger, log, target, userId, before);
      const commentsErased = this.comments.forget(log, target, userId, archived, Date.now(), before);
      if (before === undefined && this.movedLikes.scrub(userId)) log.touch();
      return { ...result, commentsErased, seq: this.seq.last };
    });
    this.relays.redact({ commentIds: [], authorId: userId });
    // The overlay hides the erased comments now; the job rewrites their pages without them.
    if (archived.length > 0) await this.jobs.schedule(JOB_COMMENT_ARCHIVE, Date.now());
    if (!this.shards.sharded) return erased;
    const inShards = await forgetInShards(this.env, target, () => this.shards.config, userId, before);
    return {
      ...erased,
      likesRemoved: erased.likesRemoved + inShards.likesRemoved,
      outboxAnonymised: erased.outboxAnonymised + inShards.outboxAnonymised,
      idempotencyKeysRemoved: erased.idempotencyKeysRemoved + inShards.idempotencyKeysRemoved,
      count: this.likeCount(),
      seq: this.seq.last,
    };
  }

  /** Adds or removes one reaction of a verified user (REST, socket frame, or a comment's own room). */
  async react(input: ReactInput): Promise<RoomResult<ReactionResult>> {
    const parsed = ReactInput.parse(input);
    this.bindTarget(parsed.target);
    // A comment room hands the reaction to its parent, which limits it: counted once.
    if (!(this.stored && this.reactions.forwards(parsed))) {
      const replay = this.isReplay(parsed.actor.userId, parsed.idempotencyKey, "react");
      const refusal = (await this.admitWriter(parsed.actor.userId, replay)) ?? (replay ? null : await this.erasedBan(parsed.actor.userId));
      if (refusal !== null) return { ok: false, error: refusal };
    }
    this.ensureStored();
    return this.reactions.react(parsed);
  }

  async reactionUsers(input: ReactionUsersInput): Promise<RoomResult<ReactionUsersSlice>> {
    const parsed = ReactionUsersInput.parse(input);
    this.bindTarget(parsed.target);
    if (!this.stored) return unwrittenReactionUsers(parsed.target, parsed.commentId, { items: [], next: null });
    return this.reactions.users(parsed);
  }

  async reactionCounts(input: ReactionCountsInput): Promise<RoomResult<Record<string, number>>> {
    const parsed = ReactionCountsInput.parse(input);
    this.bindTarget(parsed.target);
    if (!this.stored) return { ok: true, value: {} };
    return this.reactions.counts(parsed);
  }

  /** Called by the room a comment was posted in (job COMMENT_BINDINGS_JOB) on the comment's own room. */
  async bindParent(input: BindParentInput): Promise<RoomResult<{ parent: string }>> {
    const parsed = BindParentInput.parse(input);
    this.bindForWrite(parsed.target);
    return this.reactions.bindParent(parsed);
  }

  private async bindPendingComments(): Promise<number | null> {
    if (this.target === null) return null;
    const parent = this.target;
    return bindPendingComments(
      this.ctx.storage.sql,
      parent,
      (input) => roomFor(this.env, input.target).bindParent(input),
      (commentId, message) => logEvent("comment_binding_refused", { target: parent, commentId, message }),
    );
  }

  private async targetReactionCounts(target: string): Promise<Record<string, number>> {
    if (!this.stored) return {};
    const counts = await this.reactions.counts({ target });
    return counts.ok ? counts.value : {};
  }

  // Moderation (durable-objects/moderation/): each method parses its input, binds the target and delegates.
  registerTarget(input: ModerationRpc.RegisterTargetInput) {
    return this.moderated(ModerationRpc.RegisterTargetInput, input, (parsed) => this.moderation.register(parsed), async (parsed) =>
      // A target nobody owns yet counts against its registrant's daily quota (re-titling does not).
      !this.stored || this.moderation.roles.owner() === null ? this.limits.admitRegistration(parsed.actor.userId, parsed.target) : null,
    );
  }
  async targetInfo(target: string) {
    this.bindTarget(TargetId.parse(target));
    return this.stored ? this.moderation.info() : unwrittenInfo(target);
  }
  addModerator(input: ModerationRpc.UserOnTargetInput) {
    return this.moderated(ModerationRpc.UserOnTargetInput, input, (parsed) => this.moderation.addModerator(parsed));
  }
  removeModerator(input: ModerationRpc.UserOnTargetInput) {
    return this.moderated(ModerationRpc.UserOnTargetInput, input, (parsed) => this.moderation.removeModerator(parsed));
  }
  banUser(input: ModerationRpc.BanInput) {
    return this.moderated(ModerationRpc.BanInput, input, (parsed) => this.moderation.ban(parsed));
  }
  liftBan(input: ModerationRpc.UserOnTargetInput) {
    return this.moderated(ModerationRpc.UserOnTargetInput, input, (parsed) => this.moderation.liftBan(parsed));
  }
  async listBans(input: ModerationRpc.ListBansInput) {
    const parsed = this.boundForRead(ModerationRpc.ListBansInput, input);
    return this.stored ? this.moderation.listBans(parsed) : forModeratorsOnly(parsed.actor, { bans: [], nextBefore: null });
  }
  patchSettings(input: ModerationRpc.PatchSettingsInput) {
    return this.moderated(ModerationRpc.PatchSettingsInput, input, (parsed) => this.moderation.patchSettings(parsed));
  }
  async listMembers(input: ModerationRpc.ActorOnTargetInput) {
    const parsed = this.boundForRead(ModerationRpc.ActorOnTargetInput, input);
    return this.stored ? this.moderation.listMembers(parsed) : forModeratorsOnly(parsed.actor, []);
  }
  replaceMembers(input: ModerationRpc.ReplaceMembersInput) {
    return this.moderated(ModerationRpc.ReplaceMembersInput, input, (parsed) => this.moderation.replaceMembers(parsed));
  }
  addMember(input: ModerationRpc.UserOnTargetInput) {
    return this.moderated(ModerationRpc.UserOnTargetInput, input, (parsed) => this.moderation.addMember(parsed));
  }
  removeMember(input: ModerationRpc.UserOnTargetInput) {
    return this.moderated(ModerationRpc.UserOnTargetInput, input, (parsed) => this.moderation.removeMember(parsed));
  }
  reportComment(input: ModerationRpc.ReportInput) {
    const parsed = this.boundForRead(ModerationRpc.ReportInput, input);
    if (!this.stored) return Promise.resolve({ ok: false as const, error: { status: 404 as const, code: "not_found", message: "no such comment in this room" } });
    return this.moderation.report(parsed);
  }
  async listReports(input: ModerationRpc.ListReportsInput) {
    const parsed = this.boundForRead(ModerationRpc.ListReportsInput, input);
    return this.stored ? this.moderation.listReports(parsed) : forModeratorsOnly(parsed.actor, { reports: [], nextBefore: null });
  }

  async getTerms(input: ModerationRpc.ActorOnTargetInput) {
    const parsed = this.boundForRead(ModerationRpc.ActorOnTargetInput, input);
    return this.stored ? this.moderation.getTerms(parsed) : forModeratorsOnly(parsed.actor, { blocked: [], suspect: [] });
  }
  putTerms(input: ModerationRpc.PutTermsInput) {
    return this.moderated(ModerationRpc.PutTermsInput, input, (parsed) => this.moderation.putTerms(parsed));
  }
  async listReportGroups(input: ModerationRpc.ListReportGroupsInput) {
    const parsed = this.boundForRead(ModerationRpc.ListReportGroupsInput, input);
    return this.stored ? this.moderation.listReportGroups(parsed) : forModeratorsOnly(parsed.actor, { groups: [], nextBefore: null });
  }
  resolveReports(input: ModerationRpc.ResolveReportsInput) {
    return this.moderated(ModerationRpc.ResolveReportsInput, input, (parsed) => this.moderation.resolveReports(parsed, () => this.deleteComment({ target: parsed.target, actor: parsed.actor, commentId: parsed.commentId })));
  }
  async readModLog(input: ModerationRpc.ModLogInput) {
    const parsed = this.boundForRead(ModerationRpc.ModLogInput, input);
    return this.stored ? this.moderation.readModLog(parsed) : forModeratorsOnly(parsed.actor, { entries: [], nextBefore: null });
  }

  /**
   * A moderation write: counted against its author's moderation-writes rate first, then run.
   * `admit` adds a check of its own (registration's quota).
   */
  private async moderated<I extends { target: string; actor: Actor }, R>(
    schema: z.ZodType<I>,
    input: unknown,
    run: (parsed: I) => Promise<RoomResult<R>>,
    admit?: (parsed: I) => Promise<RoomError | null>,
  ): Promise<RoomResult<R>> {
    const parsed = this.boundForRead(schema, input);
    // Nobody owns or moderates a room that was never written: only an admin, or a
    // registration, may write there, and a refusal does not create it.
    if (!this.stored && admit === undefined && !parsed.actor.roles.includes(ADMIN_ROLE)) return NOT_A_MODERATOR;
    const refusal = (await this.limits.takeModerationWrite(parsed.actor.userId)) ?? (admit === undefined ? null : await admit(parsed));
    if (refusal !== null) return { ok: false, error: refusal };
    this.ensureStored();
    return run(parsed);
  }

  /**
   * The limits across rooms for one write of `userId`, unless it repeats an Idempotency-Key
   * (that answer is already stored, and its repeat must get it whatever the limits say now,
   * using no budget): the user's write rate, and, when this write would create the room, their
   * daily quota of new rooms.
   */
  /** A ban kept after the user was erased (moderation/erased-bans.ts); only in a stored room. */
  private async erasedBan(userId: string): Promise<RoomError | null> {
    return this.stored ? this.moderation.erasedBans.check(userId, Date.now()) : null;
  }

  private async admitWriter(userId: string, repeat: boolean): Promise<RoomError | null> {
    if (repeat) return null;
    const rate = await this.limits.takeWrite(userId);
    if (rate !== null || this.stored) return rate;
    return this.limits.admitNewRoom(userId, this.boundTarget());
  }

  /**
   * admitWriter for a batch of likes. A room one batch creates is charged to one user: the
   * first whose quota allows it (a batch from the like coalescer mixes users; an abuser's own
   * batch starts with them).
   */
  private async admitLikes(ops: readonly LikeOp[]): Promise<(RoomError | null)[]> {
    const rates = await Promise.all(ops.map((op) => (this.isLikeReplay(op) ? null : this.limits.takeWrite(op.userId))));
    if (this.stored) return rates;
    const refusals = [...rates];
    for (const [i, op] of ops.entries()) {
      if (refusals[i] !== null) continue;
      const quota = await this.limits.admitNewRoom(op.userId, this.boundTarget());
      if (quota === null) break;
      refusals[i] = quota;
    }
    return refusals;
  }

  private isLikeReplay(op: LikeOp): boolean {
    return this.isReplay(op.userId, op.idempotencyKey, "like");
  }

  private isReplay(userId: string, key: string | undefined, kind: "like" | "comment" | "react"): boolean {
    return this.stored && key !== undefined && this.ledger.idempotencyKeys.remembers(idempotencyScope(userId, key, kind));
  }

  /**
   * The room's own likers and recent unlikers at its current seq, and the shard layout when
   * sharded: what reconciliation and the backfill copy into users' indexes (workers/user-index-repair.ts).
   */
  async likeTruthPage(input: LikeTruthPageInput): Promise<LikeTruthPage> {
    const { target, afterUserId, limit } = LikeTruthPageInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return { epoch: 0, seq: 0, likes: 0, entries: [], nextAfter: null, layout: null };
    const page = readLikeTruth(this.ctx.storage.sql, afterUserId, limit);
    return { epoch: 0, seq: this.seq.last, likes: this.likeCount(), ...page, layout: this.shards.sharded ? this.shards.config.layout : null };
  }

  /** Users this room names other than by a like, for the backfill of users' indexes. */
  async touchedUsersPage(input: TouchedUsersPageInput): Promise<TouchedUsersPage> {
    const { target, afterUserId, limit } = TouchedUsersPageInput.parse(input);
    this.bindTarget(target);
    if (!this.stored) return { users: [], nextAfter: null };
    return readTouchedUsers(this.ctx.storage.sql, afterUserId, limit);
  }

  override async alarm(): Promise<void> {
    // Only a stored room ever sets an alarm; an unwritten one has no jobs to run.
    if (!this.stored) return;
    await this.jobs.runDue();
    // Every change schedules an outbox send, so this is the wake-up after an eviction that
    // may have dropped a pending broadcast timer: flush whatever sockets have not seen.
    this.notifyViewers();
  }

  private roomState(): RoomState {
    if (!this.stored) return unwrittenState(this.target);
    return {
      target: this.target ?? "",
      count: this.likeCount(),
      seq: this.seq.last,
      comments: this.comments.store.visibleCount,
      reactions: reactionCounts(this.ctx.storage.sql, ROOM_SUBJECT),
      pinned: this.target === null ? null : this.comments.pinned(this.target),
      settings: this.settings.read(),
    };
  }

  private commentRetention(): number {
    const configured = Number(this.env.COMMENT_RETENTION);
    return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_COMMENT_RETENTION;
  }

  /** What comments ask of moderation; read lazily, the desk is built in the same wake-up. */
  private commentGate(): CommentGate {
    return {
      checkComment: (actor, now) => this.moderation.policy.checkComment(actor, now),
      checkEdit: (actor, now) => this.moderation.policy.checkEdit(actor, now),
      filterText: (text) => this.moderation.filterText(text),
      isRepeat: (authorId, text, now) => isRepeatedComment(this.ctx.storage.sql, authorId, text, now),
      checkChatModes: (actor, text, now) =>
        this.chatModes.check({ settings: this.settings.read(), userId: actor.userId, moderator: this.moderation.isModerator(actor), text, now }),
      isModerator: (actor) => this.moderation.isModerator(actor),
      logModeration: (entry) => this.moderation.modLog.record(entry),
    };
  }

  /**
   * A room with no sockets has no one to tell; skipping the timer also lets an idle room's
   * isolate go quiet instead of holding a pending timeout after every write.
   */
  private notifyViewers(): void {
    if (this.sockets.viewerCount() > 0 || (this.stored && this.relays.busy)) this.live.changed();
  }

  /**
   * Moves full pages beyond the window to R2, then rewrites pages whose archived comments
   * changed. Throws when R2 does: the window keeps every comment until its page is recorded.
   */
  private async runCommentArchive(): Promise<number | null> {
    if (this.target === null) return null;
    const retain = this.commentRetention();
    let pages = 0;
    while (pages < COMMENT_ARCHIVE_PAGES_PER_RUN && (await this.comments.archive.archiveOldest(this.target, retain))) pages++;
    const more = await this.comments.archive.rewriteChanged(this.target);
    if (pages > 0) logEvent("comments_archived", { target: this.target, pages, through: this.comments.archive.archivedThrough() });
    return more || pages === COMMENT_ARCHIVE_PAGES_PER_RUN ? Date.now() : null;
  }

  /** Tells users' objects which rooms name them in moderation; a refusal means "deleted since". */
  private async runUserRefs(): Promise<number | null> {
    if (this.target === null) return null;
    const target = this.target;
    const { more, forgotten } = await sendUserRefs(this.env, this.ctx.storage.sql, target);
    for (const userId of forgotten) await this.forgetUser({ target, userId });
    if (forgotten.length > 0) logEvent("user_refs_forgotten", { target, users: forgotten.length });
    return more ? Date.now() : null;
  }

  private async runOutbox(): Promise<number | null> {
    const { sent, events, more } = await shipOutbox(this.env.EVENTS, this.ctx.storage.sql, ROOM_PRODUCER);
    this.counters.outboxShipped(events);
    if (sent > 0) logEvent("outbox_sent", { target: this.target, events, messages: sent, more, requestIds: this.observed.requestIds(JOB_OUTBOX) });
    return more ? Date.now() : null;
  }

  /** Never fails the outbox job: the backlog report is a view, the send is what matters. */
  private async reportOutboxBacklog(): Promise<void> {
    if (this.target === null) return;
    try {
      const { backlog, reported } = await this.backlogReporter.report(this.target);
      if (reported) logEvent("outbox_backlog", { target: this.target, events: backlog.events, oldestAt: backlog.oldestAt });
    } catch (error) {
      logEvent("outbox_backlog_report_failed", { target: this.target, error: String(error) });
    }
  }

  private socketRefused(requestId: string | undefined, reason: string): void {
    this.counters.socketRefused();
    logEvent("socket_refused", { target: this.target, requestId, reason });
  }

  /**
   * A room learns its own target name from its first call (idFromName does not hand the
   * name to the object) and keeps it so that alarms, which carry no arguments, know it too.
   */
  private bindTarget(target: string): void {
    if (this.target === target) return;
    if (this.target !== null) throw new Error(`room for ${this.target} was called as ${target}`);
    // An unwritten room keeps the name in memory; openStorage writes it with the schema.
    if (this.stored) this.meta.set("target", target);
    this.target = target;
  }

  private bindForWrite(target: string): void {
    this.bindTarget(target);
    this.ensureStored();
  }

  /** RPC inputs are parsed before anything else, and name the target the room is for. */
  private bound<T extends { target: string }>(schema: z.ZodType<T>, input: unknown): T {
    const parsed = schema.parse(input);
    this.bindForWrite(parsed.target);
    return parsed;
  }

  private boundForRead<T extends { target: string }>(schema: z.ZodType<T>, input: unknown): T {
    const parsed = schema.parse(input);
    this.bindTarget(parsed.target);
    return parsed;
  }

  private boundTarget(): string {
    if (this.target === null) throw new Error("room has no target yet");
    return this.target;
  }
}

function likeEventOf({ liked, count }: LikeResult) {
  return { kind: liked ? ("like" as const) : ("unlike" as const), count };
}

/** The upgrade a relay gets: the identity only as this room admitted it, never a raw header. */
function relayUpgrade(request: Request, user: LiveIdentity | null): Request {
  const headers = new Headers(request.headers);
  headers.delete(LIVE_TICKET_HEADER);
  if (user === null) headers.delete(LIVE_IDENTITY_HEADER);
  else headers.set(LIVE_IDENTITY_HEADER, JSON.stringify(user));
  return new Request(request.url, { headers });
}

declare module "../platform/env" {
  interface DurableObjectClasses {
    /** One per target: its likes, reactions, comments and live sockets. */
    TARGET_ROOM: TargetRoom;
  }
}
