import { CommentId } from "../../protocol/comments";
import type { Actor, Ban, MemberChange, Restriction, RoomSettings, ResolveReportsResult, TargetInfo, TermsBody } from "../../protocol/moderation";
import { matchKey } from "../../protocol/text";
import type {
  ActorOnTargetInput,
  BanInput,
  BansPage,
  ListBansInput,
  ListReportGroupsInput,
  ListReportsInput,
  ReportGroupsPage,
  ResolveReportsInput,
  ModLogInput,
  ModLogPage,
  PatchSettingsInput,
  PutTermsInput,
  RegisterResult,
  RegisterTargetInput,
  ReplaceMembersInput,
  ReportInput,
  ReportResult,
  ReportsPage,
  RestrictInput,
  ListRestrictionsInput,
  RestrictionsPage,
  UserOnTargetInput,
} from "../../protocol/internal/moderation-rpc";
import type { RoomError, RoomResult } from "../../protocol/internal/room-rpc";
import type { ChangeLog } from "../write-path/change-log";
import type { RoomMeta } from "../room-meta";
import type { RoomSeq } from "../room-seq";
import { refuse } from "../refusal";
import { BanList } from "./ban-list";
import { ErasedBans } from "./erased-bans";
import { MemberList } from "./member-list";
import { ModLog, type ModLogRecord } from "./mod-log";
import { recordModeration, type ModerationAction } from "./moderation-event";
import type { RateLimits } from "./rate-limits";
import { ReportStore } from "./report-store";
import { RoomPolicy } from "./room-policy";
import { RoomRoles } from "./room-roles";
import { Restrictions } from "./restrictions";
import type { SettingsStore } from "./settings-store";
import { filterCommentText } from "./text-filter";
import { TermsStore, type TermsMatch } from "./terms-store";

export interface ModerationDeps {
  sql: SqlStorage;
  meta: RoomMeta;
  seq: RoomSeq;
  settings: SettingsStore;
  limits: RateLimits;
  /** SUBJECT_KEY_SECRET if usable: keys the bans kept after an erasure. */
  subjectSecret: string | null;
  /** The room's bound target. */
  target(): string;
  /** The room's one write path (durable-objects/write-path/write-path.ts). */
  commit<T>(work: (log: ChangeLog) => T): Promise<T>;
  now?: () => number;
}

/**
 * Brings back a comment its reports hid (comments/held-comments.ts restoreReported), inside
 * the dismissal's transaction; refuses before writing anything when it cannot come back.
 */
export type RestoreHidden = (log: ChangeLog, now: number) => RoomResult<unknown>;

const ok = <T>(value: T): RoomResult<T> => ({ ok: true, value });
const NOT_A_MODERATOR = refuse(403, "forbidden", "only the room's owner, its moderators and admins may do this");
const NO_OPEN_REPORTS = refuse(404, "not_found", "this comment has no open reports");
const NOT_THE_OWNER = refuse(403, "forbidden", "only the room's owner and admins may do this");

/**
 * Everything a room's moderation routes do, behind TargetRoom's RPC methods: registration,
 * moderators, bans and timeouts, settings, members, reports. `policy` is what the comment
 * and reaction paths ask before a write.
 */
export class ModerationDesk {
  readonly roles: RoomRoles;
  readonly bans: BanList;
  readonly erasedBans: ErasedBans;
  readonly members: MemberList;
  readonly reports: ReportStore;
  readonly policy: RoomPolicy;
  readonly terms: TermsStore;
  readonly modLog: ModLog;
  readonly restrictions: Restrictions;
  private readonly now: () => number;

  constructor(private readonly deps: ModerationDeps) {
    this.roles = new RoomRoles(deps.sql, deps.meta);
    this.bans = new BanList(deps.sql);
    this.erasedBans = new ErasedBans(deps.sql, deps.subjectSecret, deps.target);
    this.members = new MemberList(deps.sql);
    this.reports = new ReportStore(deps.sql);
    this.terms = new TermsStore(deps.sql);
    this.modLog = new ModLog(deps.sql, deps.seq);
    this.restrictions = new Restrictions(deps.sql);
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
        log.roleChanged(actor.userId);
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
        log.roleChanged(userId);
        this.record(log, actor, "moderator_add", at, { userId });
      }
      return ok(this.roles.moderators());
    });
  }

  removeModerator({ actor, userId }: UserOnTargetInput): Promise<RoomResult<string[]>> {
    return this.deps.commit((log) => {
      if (!this.roles.isOwnerOrAdmin(actor)) return NOT_THE_OWNER;
      if (this.roles.removeModerator(userId)) {
        log.roleChanged(userId);
        this.record(log, actor, "moderator_remove", this.now(), { userId });
      }
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
        log.roleChanged(ban.userId);
      }
      const at = this.now();
      const until = ban.durationSeconds === undefined ? null : at + ban.durationSeconds * 1000;
      const stored = this.bans.ban(ban.userId, until, ban.reason ?? null, actor.userId, at);
      this.record(log, actor, until === null ? "ban" : "timeout", at, {
        userId: ban.userId,
        reason: ban.reason || null,
        detail: ban.durationSeconds === undefined ? null : `${ban.durationSeconds} s`,
      });
      return ok(stored);
    });
  }

  async liftBan({ actor, userId }: UserOnTargetInput): Promise<RoomResult<{ userId: string; lifted: boolean }>> {
    const erasedKey = await this.erasedBans.keyOf(userId);
    return this.deps.commit((log) => {
      if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
      const at = this.now();
      // Both: a user banned again after an erasure has a ban under each key.
      const lifted = [this.bans.lift(userId, at), this.erasedBans.lift(erasedKey, at)].includes(true);
      if (lifted) this.record(log, actor, "unban", at, { userId });
      return ok({ userId, lifted });
    });
  }

  listBans({ actor, before, limit }: ListBansInput): Promise<RoomResult<BansPage>> {
    return this.deps.commit(() => (this.roles.isModerator(actor) ? ok(this.bans.page(this.now(), before, limit)) : NOT_A_MODERATOR));
  }

  /**
   * Shadow-hides a user's new comments (docs/moderation.md "Restrictions"). Only the mod log
   * records it, not the engagement events: nothing outside the room needs to know, and a
   * restricted user must not be able to learn it from anywhere. A moderator is never restricted.
   */
  restrict({ actor, userId, reason }: RestrictInput): Promise<RoomResult<Restriction>> {
    return this.deps.commit((log) => {
      if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
      if (this.roles.owner() === userId || this.roles.isListedModerator(userId)) return refuse(409, "is_moderator", "a moderator cannot be restricted; remove them as moderator first");
      const at = this.now();
      const restriction = this.restrictions.add(userId, reason || null, actor.userId, at);
      this.modLog.record(log, { moderatorId: actor.userId, action: "restrict", at, userId, reason: reason || null });
      return ok(restriction);
    });
  }

  async unrestrict({ actor, userId }: UserOnTargetInput): Promise<RoomResult<{ userId: string; lifted: boolean }>> {
    const erasedKey = await this.erasedBans.keyOf(userId);
    return this.deps.commit((log) => {
      if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
      const at = this.now();
      // Both: a user restricted again after an erasure has a restriction under each key.
      const lifted = [this.restrictions.remove(userId), this.restrictions.removeErased(erasedKey)].includes(true);
      if (lifted) this.modLog.record(log, { moderatorId: actor.userId, action: "unrestrict", at, userId });
      return ok({ userId, lifted });
    });
  }

  /** Before a comment's transaction (restrictions.ts prepare). */
  prepareRestriction(userId: string): Promise<void> {
    return this.restrictions.prepare(userId, (id) => this.erasedBans.keyOf(id));
  }

  listRestrictions({ actor, before, limit }: ListRestrictionsInput): RoomResult<RestrictionsPage> {
    return this.roles.isModerator(actor) ? ok(this.restrictions.page(before, limit)) : NOT_A_MODERATOR;
  }

  /** Viewers receive the new settings as a `settings` event in seq order with every other change. */
  patchSettings({ actor, patch }: PatchSettingsInput): Promise<RoomResult<RoomSettings>> {
    return this.deps.commit((log) => {
      if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
      const settings = this.deps.settings.patch(patch);
      this.record(log, actor, "settings", this.now(), { detail: Object.keys(patch).sort().join(", ") }, settings);
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
      const now = this.now();
      const filed = this.reports.file(commentId, actor.userId, reason, now);
      // The reporter is now named here: the user's own object learns it, for a deletion.
      if (filed.created) log.touch();
      // Moderators' report lists follow it live; no one else learns who reported what.
      if (filed.created) log.emit(this.deps.seq.next(), now, { kind: "report", commentId, reports: this.reports.openCount(commentId) }, "moderators");
      return ok(filed);
    });
  }

  listReports({ actor, before, limit }: ListReportsInput): RoomResult<ReportsPage> {
    return this.roles.isModerator(actor) ? ok(this.reports.page(before, limit)) : NOT_A_MODERATOR;
  }

  listReportGroups({ actor, before, limit }: ListReportGroupsInput): RoomResult<ReportGroupsPage> {
    return this.roles.isModerator(actor) ? ok(this.reports.groups(before, limit)) : NOT_A_MODERATOR;
  }

  /**
   * Closes a comment's reports; `remove` first deletes the comment through the room's own
   * delete (`removeComment`, which also handles archived comments and relays). A comment
   * already gone still has its reports closed. Two steps, so a failure between them leaves the
   * comment deleted with its reports open, and resolving again closes them. `dismiss` brings
   * back a comment the reports hid (`restoreHidden`), in the same transaction as the closing.
   */
  async resolveReports(
    { actor, commentId, resolution }: ResolveReportsInput,
    removeComment: () => Promise<RoomResult<unknown>>,
    restoreHidden: RestoreHidden,
  ): Promise<RoomResult<ResolveReportsResult>> {
    if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
    if (this.reports.openCount(commentId) === 0) return NO_OPEN_REPORTS;
    // A comment its reports hid waits in the review queue (comments/held-store.ts).
    const author =
      this.deps.sql
        .exec<{ author_id: string | null }>("SELECT author_id FROM comments WHERE id = ?1 UNION ALL SELECT author_id FROM held_comments WHERE id = ?1 LIMIT 1", commentId)
        .toArray()[0]?.author_id ?? null;
    let removed = false;
    if (resolution.action === "remove") {
      const result = await removeComment();
      if (!result.ok && result.error.status !== 404) return result;
      removed = result.ok;
    }
    return this.deps.commit((log) => {
      const now = this.now();
      const resolved = this.reports.openCount(commentId);
      if (resolved === 0) return NO_OPEN_REPORTS;
      // Dismissed, a comment its reports hid has nothing left to wait for: it comes back, in
      // this transaction, so no report can land between its return and its reports' closing.
      if (resolution.action === "dismiss") {
        const restored = restoreHidden(log, now);
        if (!restored.ok) return restored;
      }
      this.reports.resolve(commentId);
      this.record(log, actor, resolution.action === "remove" ? "report_remove" : "report_dismiss", now, {
        userId: author,
        commentId,
        reason: resolution.reason || null,
        detail: `${resolved} report${resolved === 1 ? "" : "s"}`,
      });
      return ok({ commentId, action: resolution.action, resolved, removed });
    });
  }

  getTerms({ actor }: ActorOnTargetInput): RoomResult<TermsBody> {
    return this.roles.isModerator(actor) ? ok(this.terms.read()) : NOT_A_MODERATOR;
  }

  /** Replaces both lists; the next comment is checked against them. */
  async putTerms({ actor, terms }: PutTermsInput): Promise<RoomResult<TermsBody>> {
    try {
      return await this.deps.commit((log) => {
        if (!this.roles.isModerator(actor)) return NOT_A_MODERATOR;
        this.terms.replace(terms);
        const current = this.terms.read();
        this.record(log, actor, "terms", this.now(), { detail: `blocked ${current.blocked.length}, suspect ${current.suspect.length}` });
        return ok(current);
      });
    } finally {
      // A rolled-back transaction must not leave lists in memory that storage never kept.
      this.terms.invalidate();
    }
  }

  /** Which blocked and suspect terms a comment's text matches; a suspect term holds it (moderation/hold-rules.ts). */
  matchTerms(text: string): TermsMatch {
    return this.terms.match(matchKey(text).key);
  }

  /** The room's `filter` setting and its blocked terms applied to a comment's text (text-filter.ts). */
  filterText(text: string): { ok: true; text: string } | { ok: false; error: RoomError } {
    const filtered = filterCommentText(text, this.deps.settings.read().filter, this.terms.blockedMatcher());
    return "status" in filtered ? { ok: false, error: filtered } : filtered;
  }

  /** Newest first; moderators only. */
  readModLog({ actor, before, limit }: ModLogInput): RoomResult<ModLogPage> {
    return this.roles.isModerator(actor) ? ok(this.modLog.page(before, limit)) : NOT_A_MODERATOR;
  }

  private record(
    log: ChangeLog,
    actor: Actor,
    action: ModerationAction,
    at: number,
    entry: Omit<ModLogRecord, "moderatorId" | "action" | "at"> = {},
    settings?: RoomSettings,
  ): void {
    recordModeration(this.deps.sql, this.deps.seq, log, {
      target: this.deps.target(),
      moderatorId: actor.userId,
      action,
      at,
      ...(settings ? { live: { kind: "settings", settings } } : {}),
    });
    // After the action's own event, so a moderator's client reads the change before its entry.
    this.modLog.record(log, { ...entry, moderatorId: actor.userId, action, at });
  }
}
