import { CommentId } from "../../protocol/comments";
import {
  commentIdOfTarget,
  type BindParentInput,
  type ReactInput,
  type ReactionCountsInput,
  type ReactionUsersInput,
  type ReactionUsersSlice,
} from "../../protocol/internal/reaction-rpc";
import type { ReactionResult } from "../../protocol/reactions";
import type { RoomError, RoomResult } from "../../protocol/internal/room-rpc";
import type { ChangeLog } from "../write-path/change-log";
import type { RoomMeta } from "../room-meta";
import { reactionCounts, ROOM_SUBJECT } from "./reaction-counts";
import type { ReactionsLedger } from "./reactions-ledger";
import { refuse } from "../refusal";

/** room_meta key of a comment room (`comment:<id>`): the target the comment was posted in. */
export const PARENT_META_KEY = "parent";

/** The reaction RPCs of another room, as this room calls them when it forwards. */
export interface ReactionPeer {
  react(input: ReactInput): Promise<RoomResult<ReactionResult>>;
  reactionUsers(input: ReactionUsersInput): Promise<RoomResult<ReactionUsersSlice>>;
  reactionCounts(input: ReactionCountsInput): Promise<RoomResult<Record<string, number>>>;
}

type Route =
  | { kind: "local"; subject: string }
  | { kind: "forward"; parent: string; commentId: string }
  | { kind: "missing"; commentId: string };

/**
 * Where a reaction request is served. A comment made here has its own target
 * (`comment:<id>`), but its reactions are counted in the room it was posted in, next to the
 * comment and its live viewers; the comment's room only knows where to forward once the
 * parent bound it (bindParent). A `comment:` id we did not make is an ordinary target.
 */
export class RoomReactions {
  constructor(
    private readonly ledger: ReactionsLedger,
    private readonly meta: RoomMeta,
    private readonly sql: SqlStorage,
    private readonly commit: <T>(work: (log: ChangeLog) => T, requestId?: string) => Promise<T>,
    private readonly peer: (target: string) => ReactionPeer,
    /** Moderation's verdict (ban, members-only, rate) in the room that holds the reaction. */
    private readonly check: (input: ReactInput, now: number) => RoomError | null,
  ) {}

  async react(input: ReactInput): Promise<RoomResult<ReactionResult>> {
    const route = this.route(input.target, input.commentId);
    switch (route.kind) {
      case "local":
        return this.commit((log) => {
          const refused = this.check(input, Date.now());
          return refused ? { ok: false, error: refused } : this.ledger.react(input, log);
        }, input.requestId);
      case "missing":
        return commentNotFound(route.commentId);
      case "forward": {
        const result = await this.peer(route.parent).react({ ...input, target: route.parent, commentId: route.commentId });
        // The caller asked about `comment:<id>`; the answer names what they asked about.
        return result.ok ? { ok: true, value: { ...result.value, target: input.target } } : result;
      }
    }
  }

  async users(input: ReactionUsersInput): Promise<RoomResult<ReactionUsersSlice>> {
    const route = this.route(input.target, input.commentId);
    switch (route.kind) {
      case "local":
        if (route.subject !== ROOM_SUBJECT && !this.ledger.commentIsVisible(route.subject)) return commentNotFound(route.subject);
        return { ok: true, value: this.ledger.users(route.subject, input.emoji, input.after, input.limit) };
      case "missing":
        return commentNotFound(route.commentId);
      case "forward":
        return this.peer(route.parent).reactionUsers({ ...input, target: route.parent, commentId: route.commentId });
    }
  }

  async counts(input: ReactionCountsInput): Promise<RoomResult<Record<string, number>>> {
    const route = this.route(input.target, input.commentId);
    switch (route.kind) {
      case "local":
        return { ok: true, value: reactionCounts(this.sql, route.subject) };
      case "missing":
        // Stats of a comment whose binding is still on its way: nothing counted yet.
        return { ok: true, value: {} };
      case "forward":
        return this.peer(route.parent).reactionCounts({ target: route.parent, commentId: route.commentId });
    }
  }

  /** True when the reaction is applied by another room (a comment room's parent), which does the limiting. */
  forwards(input: Pick<ReactInput, "target" | "commentId">): boolean {
    return this.route(input.target, input.commentId).kind === "forward";
  }

  /** Idempotent; a comment room never moves to another parent (its counts would be lost). */
  bindParent(input: BindParentInput): RoomResult<{ parent: string }> {
    const current = this.meta.get(PARENT_META_KEY);
    if (current !== undefined && current !== input.parent) {
      return refuse(409, "parent_conflict", `${input.target} is already bound to ${current}`);
    }
    if (current === undefined) this.meta.set(PARENT_META_KEY, input.parent);
    return { ok: true, value: { parent: input.parent } };
  }

  private route(target: string, commentId: string | undefined): Route {
    if (commentId !== undefined) return { kind: "local", subject: commentId };
    const own = commentIdOfTarget(target);
    if (own === null) return { kind: "local", subject: ROOM_SUBJECT };
    const parent = this.meta.get(PARENT_META_KEY);
    if (parent !== undefined) return { kind: "forward", parent, commentId: own };
    if (CommentId.safeParse(own).success) return { kind: "missing", commentId: own };
    return { kind: "local", subject: ROOM_SUBJECT };
  }
}

function commentNotFound(commentId: string): { ok: false; error: { status: 404; code: string; message: string } } {
  return { ok: false, error: { status: 404, code: "comment_not_found", message: `no comment ${commentId}` } };
}
