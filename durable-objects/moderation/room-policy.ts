import { memberRole, type Actor } from "../../protocol/moderation";
import type { RoomError } from "../../protocol/internal/room-rpc";
import type { SettingsStore } from "./settings-store";
import type { RoomRoles } from "./room-roles";
import type { BanList } from "./ban-list";
import type { MemberList } from "./member-list";
import { RateLimiter, retryAfterSeconds } from "./rate-limiter";
import type { RateLimits } from "./rate-limits";

export interface RoomPolicyDeps {
  sql: SqlStorage;
  /** The room's bound target (for the `member:<target>` role). */
  target(): string;
  settings: SettingsStore;
  roles: RoomRoles;
  bans: BanList;
  members: MemberList;
  limits: RateLimits;
}

/**
 * Whether a user may write in this room right now. Each check answers the refusal the
 * client should see, or null. Checks only read storage; the rate limits take their token
 * last, so a write refused for another reason does not use up the user's budget.
 */
export class RoomPolicy {
  private readonly comments: RateLimiter;
  /** One budget for likes and reactions. */
  private readonly taps: RateLimiter;

  constructor(private readonly deps: RoomPolicyDeps) {
    this.comments = new RateLimiter(deps.limits.commentsPerMinute);
    this.taps = new RateLimiter(deps.limits.reactionsPerMinute);
  }

  isModerator(actor: Actor): boolean {
    return this.deps.roles.isModerator(actor);
  }

  /**
   * Before a comment is stored. Moderators may comment when comments are off, in a
   * members-only room and during slow mode; bans and the per-minute limit apply to everyone.
   */
  checkComment(actor: Actor, now: number): RoomError | null {
    const settings = this.deps.settings.read();
    const moderator = this.isModerator(actor);
    if (!settings.commentsEnabled && !moderator) {
      return { status: 403, code: "comments_disabled", message: "comments are turned off in this room" };
    }
    const refusal = this.checkBanAndMembership(actor, now, moderator);
    if (refusal) return refusal;
    if (settings.slowModeSeconds > 0 && !moderator) {
      const last = this.lastCommentAt(actor.userId);
      const readyAt = last === null ? now : last + settings.slowModeSeconds * 1000;
      if (readyAt > now) {
        const retry = retryAfterSeconds(readyAt - now);
        return { status: 429, code: "slow_mode", message: `slow mode: one comment every ${settings.slowModeSeconds} s; retry in ${retry} s`, retryAfterSeconds: retry };
      }
    }
    return this.take(this.comments, actor.userId, now, "comments");
  }

  /**
   * Before an author edits a comment: as for a comment, except slow mode (an edit adds no
   * comment to the room) — comments off, bans, members-only and the same per-minute budget.
   */
  checkEdit(actor: Actor, now: number): RoomError | null {
    const moderator = this.isModerator(actor);
    if (!this.deps.settings.read().commentsEnabled && !moderator) {
      return { status: 403, code: "comments_disabled", message: "comments are turned off in this room" };
    }
    return this.checkBanAndMembership(actor, now, moderator) ?? this.take(this.comments, actor.userId, now, "comments");
  }

  /** Before a reaction (on the target or one of its comments) is added or removed. */
  checkReact(actor: Actor, now: number): RoomError | null {
    const refusal = this.checkBanAndMembership(actor, now, this.isModerator(actor));
    if (refusal) return refusal;
    return this.take(this.taps, actor.userId, now, "likes or reactions");
  }

  /** Likes are open to everyone who can sign in (no bans, no members-only); only the rate applies. */
  checkLike(userId: string, now: number): RoomError | null {
    return this.take(this.taps, userId, now, "likes or reactions");
  }

  private checkBanAndMembership(actor: Actor, now: number, moderator: boolean): RoomError | null {
    const ban = this.deps.bans.active(actor.userId, now);
    if (ban) {
      const message =
        ban.until === null ? "you are banned from this room" : `you are timed out in this room until ${new Date(ban.until).toISOString()}`;
      return { status: 403, code: "banned", message };
    }
    if (this.deps.settings.read().membersOnly && !moderator && !this.isMember(actor)) {
      return { status: 403, code: "members_only", message: "only members may write in this room" };
    }
    return null;
  }

  private isMember(actor: Actor): boolean {
    return actor.roles.includes(memberRole(this.deps.target())) || this.deps.members.has(actor.userId);
  }

  /** Exact across evictions: read from the comments themselves (deleted ones count too, and held ones). */
  private lastCommentAt(userId: string): number | null {
    return this.deps.sql
      .exec<{ last: number | null }>(
        `SELECT MAX(at) AS last FROM (
           SELECT MAX(created_at) AS at FROM comments WHERE author_id = ?1
           UNION ALL SELECT MAX(created_at) FROM held_comments WHERE author_id = ?1
         )`,
        userId,
      )
      .one().last;
  }

  private take(limiter: RateLimiter, userId: string, now: number, what: string): RoomError | null {
    const waitMs = limiter.take(userId, now);
    if (waitMs === null) return null;
    const retry = retryAfterSeconds(waitMs);
    return { status: 429, code: "rate_limited", message: `at most ${limiter.perMinute} ${what} per minute; retry in ${retry} s`, retryAfterSeconds: retry };
  }
}
