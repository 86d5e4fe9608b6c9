import { CommentId } from "../../protocol/comments";
import type { Actor, Ban, MemberChange, RoomSettings, TargetInfo } from "../../protocol/moderation";
import type {
  ActorOnTargetInput,
  BanInput,
  ListReportsInput,
  PatchSettingsInput,
  RegisterResult,
  RegisterTargetInput,
  ReplaceMembersInput,
  ReportInput,
  ReportResult,
  ReportsPage,
  UserOnTargetInput,
} from "../../protocol/internal/moderation-rpc";
import type { RoomResult } from "../../protocol/internal/room-rpc";
import type { ChangeLog } from "../write-path/change-log";
import type { RoomMeta } from "../room-meta";
import type { RoomSeq } from "../room-seq";
import { refuse } from "../refusal";
import { BanList } from "./ban-list";
import { MemberList } from "./member-list";
import { recordModeration, type ModerationAction } from "./moderation-event";
import type { RateLimits } from "./rate-limits";
import { ReportStore } from "./report-store";
import { RoomPolicy } from "./room-policy";
import { RoomRoles } from "./room-roles";
import type { SettingsStore } from "./settings-store";

export interface ModerationDeps {
  sql: SqlStorage;
  meta: RoomMeta;
  seq: RoomSeq;
  settings: SettingsStore;
  limits: RateLimits;
  /** The room's bound target. */
  target(): string;
  /** The room's one write path (durable-objects/write-path/write-path.ts). */
  commit<T>(work: (log: ChangeLog) => T): Promise<T>;
  now?: () => number;
}

const ok = <T>(value: T): RoomResult<T> => ({ ok: true, value });
const NOT_A_MODERATOR = refuse(403, "forbidden", "only the room's owner, its moderators and admins may do this");
const NOT_THE_OWNER = refuse(403, "forbidden", "only the room's owner and admins may do this");

/**
 * Everything a room's moderation routes do, behind TargetRoom's RPC methods: registration,
 * moderators, bans and timeouts, settings, members, reports. `policy` is what the comment
 * and reaction paths ask before a write.
 */
export class ModerationDesk {
  readonly roles: RoomRoles;
  readonly bans: BanList;
  readonly members: MemberList;
  readonly reports: ReportStore;
  readonly policy: RoomPolicy;
  private readonly now: () => number;

  constructor(private readonly deps: ModerationDeps) {
    this.roles = new RoomRoles(deps.sql, deps.meta);
    this.bans = new BanList(deps.sql);
    this.members = new MemberList(deps.sql);
    this.reports = new ReportStore(deps.sql);
    this.policy = new RoomPolicy({ ...deps, roles: this.roles, bans: this.bans, members: this.members });
    this.now = deps.now ?? Date.now;
  }

  isModerator(actor: Actor): boolean {
    return this.roles.isModerator(actor);
  }

  info(): TargetInfo {
    const pinned = CommentId.safeParse(this.deps.meta.get("pinned"));
    return {
      target: this.deps.target(),
      owner: this.roles.owner(),
      title: this.roles.title(),
      settings: this.deps.settings.read(),
      moderators: this.roles.moderators(),
      pinned: pinned.success ? pinned.data : null,
    };
  }

  /** The first caller owns the target; later, only the owner or an admin may retitle it. */
  register({ actor, title }: RegisterTargetInput): Promise<RoomResult<RegisterResult>> {
    return this.deps.commit((log) => {
      if (this.roles.owner() === null) {
        this.roles.register(actor.userId, title);
        // The owner is now named here: the user's own object learns it, for a deletion.
        log.touch();
        return ok({ created: true, info: this.info() });
      }
      if (!this.roles.isOwnerOrAdmin(actor)) return refuse(409, "already_registered", "this target is registered by another user");
      this.roles.setTitle(title);
      return ok({ created: false, info: this.info() });
    });
  }

  addModerator({ actor, userId }: UserOnTargetInput): Promise<RoomResult<string[]>> {
    return this.deps.commit((log) => {
      if (!this.roles.isOwnerOrAdmin(actor)) return NOT_THE_OWNER;
      const at = this.now();
      // A banned user made moderator is trusted again: keeping the ban would leave a moderator who cannot write.
      if (this.roles.addModerator(userId, actor.userId, at)) {
        this.bans.lift(userId, at);
        this.record(log, actor, "moderator_add", at);
      }
      return ok(this.roles.moderators());
    });
  }

  removeModerator({ actor, userId }: UserOnTargetInput): Promise<RoomResult<string[]>> {
    return this.deps.commit((log) => {
      if (!this.roles.isOwnerOrAdmin(actor)) return NOT_THE_OWNER;
      if (this.roles.removeModerator(userId)) this.record(log, actor, "moderator_remove", this.now());
      return ok(this.roles.moderators());
    });
  }

  /**
   * Moderators ban viewers. The owner can never be banned; a moderator can be banned only by
   * the owner or an admin, and the ban also takes their moderator role away.
   */
  ban({ actor, ban }: BanInput): Promise<RoomResult<Ban>> {
    return this.deps.commit((log) => {
      if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
      if (ban.userId === actor.userId) return refuse(400, "invalid_request", "you cannot ban yourself");
      if (ban.userId === this.roles.owner()) return refuse(403, "forbidden", "the room's owner cannot be banned");
      if (this.roles.isListedModerator(ban.userId)) {
        if (!this.roles.isOwnerOrAdmin(actor)) return refuse(403, "forbidden", "only the owner or an admin can ban a moderator");
        this.roles.removeModerator(ban.userId);
      }
      const at = this.now();
      const until = ban.durationSeconds === undefined ? null : at + ban.durationSeconds * 1000;
      const stored = this.bans.ban(ban.userId, until, ban.reason ?? null, actor.userId, at);
      this.record(log, actor, until === null ? "ban" : "timeout", at);
      return ok(stored);
    });
  }

  liftBan({ actor, userId }: UserOnTargetInput): Promise<RoomResult<{ userId: string; lifted: boolean }>> {
    return this.deps.commit((log) => {
      if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
      const at = this.now();
      const lifted = this.bans.lift(userId, at);
      if (lifted) this.record(log, actor, "unban", at);
      return ok({ userId, lifted });
    });
  }

  listBans({ actor }: ActorOnTargetInput): Promise<RoomResult<Ban[]>> {
    return this.deps.commit(() => (this.roles.isModerator(actor) ? ok(this.bans.list(this.now())) : NOT_A_MODERATOR));
  }

  /** Viewers receive the new settings as a `settings` event in seq order with every other change. */
  patchSettings({ actor, patch }: PatchSettingsInput): Promise<RoomResult<RoomSettings>> {
    return this.deps.commit((log) => {
      if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
      const settings = this.deps.settings.patch(patch);
      this.record(log, actor, "settings", this.now(), settings);
      return ok(settings);
    });
  }

  listMembers({ actor }: ActorOnTargetInput): RoomResult<string[]> {
    return this.roles.isModerator(actor) ? ok(this.members.list()) : NOT_A_MODERATOR;
  }

  replaceMembers({ actor, userIds }: ReplaceMembersInput): Promise<RoomResult<string[]>> {
    return this.deps.commit(() => (this.roles.isOwnerOrAdmin(actor) ? ok(this.members.replace(userIds, this.now())) : NOT_THE_OWNER));
  }

  addMember({ actor, userId }: UserOnTargetInput): Promise<RoomResult<MemberChange>> {
    return this.deps.commit(() => {
      if (!this.roles.isOwnerOrAdmin(actor)) return NOT_THE_OWNER;
      const outcome = this.members.add(userId, this.now());
      if (outcome === "full") return refuse(409, "too_many_members", "the members list is full; use the member:<target> token role");
      return ok({ userId, member: true, changed: outcome === "added" });
    });
  }

  removeMember({ actor, userId }: UserOnTargetInput): Promise<RoomResult<MemberChange>> {
    return this.deps.commit(() => {
      if (!this.roles.isOwnerOrAdmin(actor)) return NOT_THE_OWNER;
      return ok({ userId, member: false, changed: this.members.remove(userId) });
    });
  }

  /** Any signed-in user; a second report of the same comment answers the first one. */
  report({ actor, commentId, reason }: ReportInput): Promise<RoomResult<ReportResult>> {
    return this.deps.commit((log) => {
      if (!this.reports.commentIsReportable(commentId)) return refuse(404, "not_found", "no such comment in this room");
      const filed = this.reports.file(commentId, actor.userId, reason, this.now());
      // The reporter is now named here: the user's own object learns it, for a deletion.
      if (filed.created) log.touch();
      return ok(filed);
    });
  }

  listReports({ actor, before, limit }: ListReportsInput): RoomResult<ReportsPage> {
    return this.roles.isModerator(actor) ? ok(this.reports.page(before, limit)) : NOT_A_MODERATOR;
  }

  private record(log: ChangeLog, actor: Actor, action: ModerationAction, at: number, settings?: RoomSettings): void {
    recordModeration(this.deps.sql, this.deps.seq, log, {
      target: this.deps.target(),
      moderatorId: actor.userId,
      action,
      at,
      ...(settings ? { live: { kind: "settings", settings } } : {}),
    });
  }
}
