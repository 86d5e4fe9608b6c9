import type { AppEnv } from "../../platform/env";
import { leaderboardFor } from "../../platform/leaderboards";
import { roomFor } from "../../platform/rooms";
import type { AlarmJobs } from "../alarm-jobs";
import { ANALYTICS_REPORT_JOB, SeriesReporter } from "../analytics/series-reporter";
import { CommentArchive } from "../comments/comment-archive";
import { RoomComments, type CommentGate } from "../comments/room-comments";
import { idempotencyScope } from "../idempotency";
import { LikesLedger } from "../likes/likes-ledger";
import { ModerationDesk } from "../moderation/moderation-desk";
import { rateLimitsFrom } from "../moderation/rate-limits";
import { isRepeatedComment } from "../moderation/repeated-comment";
import { SettingsStore } from "../moderation/settings-store";
import { ChatModes } from "../moderation/chat-modes";
import { holdReason } from "../moderation/hold-rules";
import { usableSubjectSecret } from "../../platform/subject-hash";
import { hasOutgoingUserRefs, USER_REFS_JOB } from "../moderation/user-ref-sender";
import { OutboxBacklogReporter } from "../outbox-backlog";
import { ReactionsLedger } from "../reactions/reactions-ledger";
import { RoomReactions } from "../reactions/room-reactions";
import { RoomRelays } from "../relays/room-relays";
import { ReplayRing } from "../replay-ring";
import { RoomMeta } from "../room-meta";
import { migrateRoomSchema } from "../room-migrations";
import { RoomSeq } from "../room-seq";
import { MovedUsers } from "../shards/moved-users";
import { RoomShards } from "../shards/room-shards";
import { UsedTickets } from "../used-tickets";
import type { ChangeLog } from "../write-path/change-log";
import { WritePath } from "../write-path/write-path";
import { RowMeter } from "../write-path/row-meter";

/** What the stored parts ask of the room they are built in. */
export interface PartsHost {
  readonly jobs: AlarmJobs;
  /** The room's target (RoomCore: from the object's name). */
  target(): string;
  /** After a commit changed storage: the room's counters, request trail and live sockets. */
  announce(log: ChangeLog, requestId: string | undefined): void;
}

/**
 * Everything a stored room is made of, built over its SQLite once per wake-up (after the
 * schema is migrated or created). A room that was never written has none of it
 * (durable-objects/unwritten-room.ts).
 */
export class RoomParts {
  readonly meta: RoomMeta;
  readonly seq: RoomSeq;
  readonly ring: ReplayRing;
  readonly writes: WritePath;
  readonly ledger: LikesLedger;
  readonly settings: SettingsStore;
  /** Emote-only, unique chat and the newcomer wait (moderation/chat-modes.ts). */
  readonly chatModes: ChatModes;
  readonly comments: RoomComments;
  readonly reactionsLedger: ReactionsLedger;
  readonly reactions: RoomReactions;
  readonly moderation: ModerationDesk;
  readonly backlogReporter: OutboxBacklogReporter;
  /** Sharded hot targets (durable-objects/shards/, docs/shards.md). */
  readonly shards: RoomShards;
  readonly movedLikes: MovedUsers;
  /** Relay fan-out for huge rooms (durable-objects/relays/, docs/relays.md). */
  readonly relays: RoomRelays;
  readonly usedTickets: UsedTickets;
  /** The target's analytics series to its leaderboard partition (durable-objects/analytics/). */
  readonly seriesReporter: SeriesReporter;
  /** Rows the parts write, as billed (GET /v1/admin/targets/:target/metrics, docs/cost.md). */
  readonly rows = new RowMeter();
  /** The room's SQL, every row written through it counted by `rows`: jobs use it too. */
  readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: AppEnv, host: PartsHost) {
    const sql = (this.sql = this.rows.wrap(ctx.storage.sql));
    migrateRoomSchema(sql);
    this.meta = new RoomMeta(sql);
    this.seq = new RoomSeq(this.meta);
    this.ring = new ReplayRing(sql);
    this.settings = new SettingsStore(this.meta);
    this.shards = new RoomShards(sql, this.meta);
    this.seriesReporter = new SeriesReporter(sql, this.meta, (report) => leaderboardFor(env, report.target).record(report));
    this.writes = new WritePath({
      storage: ctx.storage,
      sql,
      seq: this.seq,
      ring: this.ring,
      jobs: host.jobs,
      rollBack: () => {
        this.ledger.reload();
        this.shards.reload();
        this.settings.invalidate();
        this.chatModes.invalidate();
        this.moderation.erasedBans.invalidate();
      },
      announce: (log, requestId) => host.announce(log, requestId),
      afterChange: (now) => host.jobs.schedule(ANALYTICS_REPORT_JOB, this.seriesReporter.dueAfterChange(now)),
      // Some moderation writes log no event (members), so this looks at the table, not the log.
      afterCommit: async () => {
        if (hasOutgoingUserRefs(sql)) await host.jobs.schedule(USER_REFS_JOB, Date.now());
      },
    });
    this.ledger = new LikesLedger(sql, this.meta, this.seq, this.writes.idempotencyKeys);
    const archive = new CommentArchive(sql, ctx.storage, () => env.COMMENT_ARCHIVE);
    this.chatModes = new ChatModes(sql);
    this.comments = new RoomComments(sql, this.meta, this.seq, this.settings, this.commentGate(sql), archive, this.writes.idempotencyKeys);
    this.reactionsLedger = new ReactionsLedger(sql, this.seq, this.writes.idempotencyKeys, {
      allowed: () => this.settings.read().reactions,
    });
    this.reactions = new RoomReactions(
      this.reactionsLedger,
      this.meta,
      sql,
      (work, requestId) => this.writes.commit(work, requestId),
      (target) => roomFor(env, target),
      (input, now) => (this.isReplay(input.actor.userId, input.idempotencyKey, "react") ? null : this.moderation.policy.checkReact(input.actor, now)),
    );
    this.moderation = new ModerationDesk({
      sql,
      meta: this.meta,
      seq: this.seq,
      settings: this.settings,
      limits: rateLimitsFrom(env),
      subjectSecret: usableSubjectSecret(env),
      target: () => host.target(),
      commit: (work) => this.writes.commit(work),
    });
    this.backlogReporter = new OutboxBacklogReporter(env, sql, this.meta);
    this.movedLikes = new MovedUsers(sql);
    this.relays = new RoomRelays(sql, this.meta, env, () => host.target());
    this.usedTickets = new UsedTickets(sql);
  }

  /** Whether a write repeats an Idempotency-Key this room already answered. */
  isReplay(userId: string, key: string | undefined, kind: "like" | "comment" | "react"): boolean {
    return key !== undefined && this.writes.idempotencyKeys.remembers(idempotencyScope(userId, key, kind));
  }

  /** The room's own likes plus every shard's last report: the count everyone sees. */
  get likeCount(): number {
    return this.ledger.count + this.shards.count;
  }

  /** What comments ask of moderation; read lazily, the desk is built in the same constructor. */
  private commentGate(sql: SqlStorage): CommentGate {
    return {
      checkComment: (actor, now) => this.moderation.policy.checkComment(actor, now),
      checkEdit: (actor, now) => this.moderation.policy.checkEdit(actor, now),
      filterText: (text) => this.moderation.filterText(text),
      isRepeat: (authorId, text, now) => isRepeatedComment(sql, authorId, text, now),
      checkChatModes: (actor, text, now) =>
        this.chatModes.check({ settings: this.settings.read(), userId: actor.userId, moderator: this.moderation.isModerator(actor), text, now }),
      isModerator: (actor) => this.moderation.isModerator(actor),
      logModeration: (log, entry) => this.moderation.modLog.record(log, entry),
      holdFor: (actor, text, now) =>
        holdReason(sql, {
          settings: this.settings.read(),
          userId: actor.userId,
          moderator: this.moderation.isModerator(actor),
          text,
          suspect: (candidate) => this.moderation.matchTerms(candidate).suspect.length > 0,
          now,
        }),
      isRestricted: (actor) => !this.moderation.isModerator(actor) && this.moderation.restrictions.has(actor.userId),
      publishDelayMs: () => this.settings.read().publishDelaySeconds * 1000,
      isModeratorId: (userId) => this.moderation.roles.owner() === userId || this.moderation.roles.isListedModerator(userId),
    };
  }
}
