import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "../platform/env";
import { TargetId } from "../protocol/target";
import type { ApplyLikesInput, RoomSnapshot } from "../protocol/internal/room-rpc";
import type { ForgetUserInput } from "../protocol/deletion";
import type { LikeTruthPageInput, TouchedUsersPageInput } from "../protocol/internal/like-truth";
import type { ImportArchivedCommentsInput } from "../protocol/comment-backfill";
import type {
  CommentActionInput,
  CreateCommentInput,
  EditCommentInput,
  HighlightInput,
  ListCommentsInput,
  PinInput,
  TopCommentsInput,
} from "../protocol/comments";
import type { DecideHeldInput, ListHeldInput } from "../protocol/held";
import type { BindParentInput, ReactInput, ReactionCountsInput, ReactionUsersInput } from "../protocol/internal/reaction-rpc";
import type * as ModerationRpc from "../protocol/internal/moderation-rpc";
import type { RoomMetricsReport } from "../protocol/operations";
import type { SetShardsInput } from "../protocol/shards";
import type { RoomHandOverInput, RoomHandOverManyInput, ShardCountReport } from "../protocol/internal/shard-rpc";
import type { RelayCatchUpInput, RelayReport, RelayWelcomeInput, SetRelaysInput } from "../protocol/internal/relay-rpc";
import { SeriesBucketsInput, type SeriesBucket } from "../protocol/internal/analytics-rpc";
import { readBuckets } from "./analytics/series";
import { readOutboxBacklog } from "./outbox-backlog";
import { RoomLikes } from "./likes/room-likes";
import { likeFromSocket } from "./likes/socket-like";
import { RoomCore } from "./room/room-core";
import { registerRoomJobs } from "./room/room-jobs";
import { SocketEntry } from "./room/socket-entry";
import { CommentRpc } from "./room/comment-rpc";
import { ModerationRpcFacade } from "./room/moderation-rpc";
import { ShardRpc } from "./room/shard-rpc";
import { RelayRpc } from "./room/relay-rpc";
import { ReactionRpc } from "./room/reaction-rpc";
import { UserDataRpc } from "./room/user-data-rpc";

/**
 * One target (post, game, stream or comment). Its SQLite storage is the truth; the counts in
 * memory are caches rebuilt from storage whenever the object wakes up.
 *
 * This class only adapts the runtime to the room's parts: every RPC method hands its input to
 * the corridor that answers it (room/*, likes/), which parses it and checks the target
 * against the room's own name (RoomCore). The write path all of them commit through is
 * write-path/write-path.ts.
 */
export class TargetRoom extends DurableObject<AppEnv> {
  private readonly core: RoomCore;
  private readonly likes: RoomLikes;
  private readonly sockets: SocketEntry;
  private readonly comments: CommentRpc;
  private readonly moderation: ModerationRpcFacade;
  private readonly shards: ShardRpc;
  private readonly relays: RelayRpc;
  private readonly reactions: ReactionRpc;
  private readonly users: UserDataRpc;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    // Socket writes go through the same entries as the RPC methods, as a verified user.
    this.core = new RoomCore(ctx, env, {
      like: (user, frame) => likeFromSocket((ops, requestId) => this.likes.fromSocket(ops, requestId), user, frame),
      comment: (user, frame) =>
        this.comments.post({
          target: this.core.target(),
          actor: { userId: user.userId, name: user.name, roles: user.roles },
          text: frame.text,
          ...(frame.replyTo === undefined ? {} : { replyTo: frame.replyTo }),
          // The frame id makes a resent frame (after a reconnect) post once.
          idempotencyKey: frame.id,
        }),
      react: (user, frame) =>
        this.reactions.react({
          target: this.core.target(),
          actor: { userId: user.userId, name: user.name, roles: user.roles },
          emoji: frame.emoji,
          action: frame.action,
          idempotencyKey: frame.id,
          ...(frame.commentId === undefined ? {} : { commentId: frame.commentId }),
        }),
    });
    this.shards = new ShardRpc(this.core);
    this.likes = new RoomLikes(this.core, (target, n) => this.shards.set({ target, n }));
    this.sockets = new SocketEntry(this.core);
    this.comments = new CommentRpc(this.core);
    this.moderation = new ModerationRpcFacade(this.core);
    this.relays = new RelayRpc(this.core);
    this.reactions = new ReactionRpc(this.core);
    this.users = new UserDataRpc(this.core, () => this.comments.scheduleArchive(Date.now()));
    registerRoomJobs(this.core, {
      forgetUser: (target, userId) => this.users.forgetUser({ target, userId }),
      jobs: { ...this.comments.jobs(), ...this.shards.jobs() },
    });
  }

  // Likes (durable-objects/likes/): the room's entry, and the user's state.
  applyLikes(input: ApplyLikesInput) {
    return this.likes.apply(input);
  }
  likeStatus(target: string, userId: string) {
    return this.likes.status(target, userId);
  }

  /** The target's analytics buckets of one step in [from, to) (GET /v1/analytics/targets/:target). */
  async seriesBuckets(input: SeriesBucketsInput): Promise<SeriesBucket[]> {
    const { stepMs, from, to } = this.core.input(SeriesBucketsInput, input);
    return this.core.stored ? readBuckets(this.ctx.storage.sql, stepMs, from, to) : [];
  }

  /** Operational counters of this room (GET /v1/admin/targets/:target/metrics). */
  async metrics(target: string): Promise<RoomMetricsReport> {
    this.core.check(TargetId.parse(target));
    return this.core.counters.report({
      target,
      seq: this.core.lastSeq(),
      openSockets: this.core.sockets.viewerCount(),
      outbox: this.core.stored ? readOutboxBacklog(this.ctx.storage.sql) : { events: 0, oldestAt: null },
      rowsWritten: this.core.read?.rows.written ?? 0,
    });
  }

  async snapshot(target: string): Promise<RoomSnapshot> {
    this.core.check(TargetId.parse(target));
    const state = this.core.state();
    return {
      target,
      likes: state.count,
      seq: state.seq,
      viewers: this.core.viewerCount(),
      comments: state.comments,
      reactions: target.startsWith("comment:") ? await this.reactions.ofTarget(target) : state.reactions,
      pinned: state.pinned,
      settings: state.settings,
    };
  }

  // Live sockets (room/socket-entry.ts): the upgrade is the only fetch into a room.
  override async fetch(request: Request): Promise<Response> {
    return this.sockets.upgrade(request);
  }
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.core.sockets.onMessage(ws, message);
  }
  override async webSocketClose(ws: WebSocket, code: number, _reason: string, wasClean: boolean): Promise<void> {
    this.sockets.closed(ws, code, wasClean);
  }
  override async webSocketError(ws: WebSocket): Promise<void> {
    this.sockets.closed(ws, 1006, false);
  }

  // Relays (room/relay-rpc.ts).
  relayWelcome(input: RelayWelcomeInput) {
    return this.relays.welcome(input);
  }
  relayCatchUp(input: RelayCatchUpInput) {
    return this.relays.catchUp(input);
  }
  relayReport(input: RelayReport) {
    return this.relays.report(input);
  }
  relaySettings(target: string) {
    return this.relays.settings(target);
  }
  setRelaySettings(input: SetRelaysInput) {
    return this.relays.set(input);
  }

  // Comments (room/comment-rpc.ts).
  createComment(input: CreateCommentInput) {
    return this.comments.create(input);
  }
  listComments(input: ListCommentsInput) {
    return this.comments.list(input);
  }
  importArchivedComments(input: ImportArchivedCommentsInput) {
    return this.comments.importArchived(input);
  }
  topComments(input: TopCommentsInput) {
    return this.comments.top(input);
  }
  getComment(input: { target: string; commentId: string }) {
    return this.comments.get(input);
  }
  deleteComment(input: CommentActionInput) {
    return this.comments.remove(input);
  }
  editComment(input: EditCommentInput) {
    return this.comments.edit(input);
  }
  commentEdits(input: CommentActionInput) {
    return this.comments.edits(input);
  }
  highlightComment(input: HighlightInput) {
    return this.comments.highlight(input);
  }
  pinComment(input: PinInput) {
    return this.comments.pin(input);
  }
  // The review queue (comments/held-comments.ts).
  listHeld(input: ListHeldInput) {
    return this.comments.listHeld(input);
  }
  approveHeld(input: DecideHeldInput) {
    return this.comments.approve(input);
  }
  denyHeld(input: DecideHeldInput) {
    return this.comments.deny(input);
  }

  // Shards (room/shard-rpc.ts).
  shardConfig(target: string) {
    return this.shards.config(target);
  }
  setShards(input: SetShardsInput) {
    return this.shards.set(input);
  }
  reportShardCount(input: ShardCountReport) {
    return this.shards.reportCount(input);
  }
  handOverLike(input: RoomHandOverInput) {
    return this.shards.handOverOne(input);
  }
  handOverLikes(input: RoomHandOverManyInput) {
    return this.shards.handOver(input);
  }
  holdsNoLikes(target: string) {
    return this.shards.holdsNoLikes(target);
  }

  // Users' data (room/user-data-rpc.ts).
  forgetUser(input: ForgetUserInput) {
    return this.users.forgetUser(input);
  }
  likeTruthPage(input: LikeTruthPageInput) {
    return this.users.likeTruthPage(input);
  }
  touchedUsersPage(input: TouchedUsersPageInput) {
    return this.users.touchedUsersPage(input);
  }

  // Reactions (room/reaction-rpc.ts).
  react(input: ReactInput) {
    return this.reactions.react(input);
  }
  reactionUsers(input: ReactionUsersInput) {
    return this.reactions.users(input);
  }
  reactionCounts(input: ReactionCountsInput) {
    return this.reactions.counts(input);
  }
  bindParent(input: BindParentInput) {
    return this.reactions.bindParent(input);
  }

  // Moderation (room/moderation-rpc.ts over durable-objects/moderation/).
  registerTarget(input: ModerationRpc.RegisterTargetInput) {
    return this.moderation.registerTarget(input);
  }
  targetInfo(target: string) {
    return this.moderation.targetInfo(target);
  }
  addModerator(input: ModerationRpc.UserOnTargetInput) {
    return this.moderation.addModerator(input);
  }
  removeModerator(input: ModerationRpc.UserOnTargetInput) {
    return this.moderation.removeModerator(input);
  }
  banUser(input: ModerationRpc.BanInput) {
    return this.moderation.banUser(input);
  }
  liftBan(input: ModerationRpc.UserOnTargetInput) {
    return this.moderation.liftBan(input);
  }
  listBans(input: ModerationRpc.ListBansInput) {
    return this.moderation.listBans(input);
  }
  restrictUser(input: ModerationRpc.RestrictInput) {
    return this.moderation.restrictUser(input);
  }
  unrestrictUser(input: ModerationRpc.UserOnTargetInput) {
    return this.moderation.unrestrictUser(input);
  }
  listRestrictions(input: ModerationRpc.ListRestrictionsInput) {
    return this.moderation.listRestrictions(input);
  }
  getTerms(input: ModerationRpc.ActorOnTargetInput) {
    return this.moderation.getTerms(input);
  }
  putTerms(input: ModerationRpc.PutTermsInput) {
    return this.moderation.putTerms(input);
  }
  listReportGroups(input: ModerationRpc.ListReportGroupsInput) {
    return this.moderation.listReportGroups(input);
  }
  resolveReports(input: ModerationRpc.ResolveReportsInput) {
    return this.comments.restoringHidden((restore) =>
      this.moderation.resolveReports(input, (parsed) => this.comments.remove({ target: parsed.target, actor: parsed.actor, commentId: parsed.commentId }), restore),
    );
  }
  readModLog(input: ModerationRpc.ModLogInput) {
    return this.moderation.readModLog(input);
  }
  patchSettings(input: ModerationRpc.PatchSettingsInput) {
    return this.moderation.patchSettings(input);
  }
  listMembers(input: ModerationRpc.ActorOnTargetInput) {
    return this.moderation.listMembers(input);
  }
  replaceMembers(input: ModerationRpc.ReplaceMembersInput) {
    return this.moderation.replaceMembers(input);
  }
  addMember(input: ModerationRpc.UserOnTargetInput) {
    return this.moderation.addMember(input);
  }
  removeMember(input: ModerationRpc.UserOnTargetInput) {
    return this.moderation.removeMember(input);
  }
  /** Enough distinct reporters hide the comment for review (the room's `hideAfterReports`). */
  async reportComment(input: ModerationRpc.ReportInput) {
    const result = await this.moderation.reportComment(input);
    if (result.ok) await this.comments.afterReport(input.target, input.commentId);
    return result;
  }
  listReports(input: ModerationRpc.ListReportsInput) {
    return this.moderation.listReports(input);
  }

  override async alarm(): Promise<void> {
    // Only a stored room ever sets an alarm; an unwritten one has no jobs to run.
    if (!this.core.stored) return;
    await this.core.broadcastsSent();
    await this.core.jobs.runDue();
    // Every change schedules an outbox send, so this is the wake-up after an eviction that
    // may have dropped a pending broadcast timer: flush whatever sockets have not seen.
    this.core.notifyViewers();
  }
}

declare module "../platform/env" {
  interface DurableObjectClasses {
    /** One per target: its likes, reactions, comments and live sockets. */
    TARGET_ROOM: TargetRoom;
  }
}
