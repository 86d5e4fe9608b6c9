import { ADMIN_ROLE, DEFAULT_ROOM_SETTINGS, type Actor, type TargetInfo } from "../protocol/moderation";
import type { RoomResult } from "../protocol/internal/room-rpc";
import { CommentId, type RoomCommentsPage } from "../protocol/comments";
import { commentIdOfTarget } from "../protocol/internal/reaction-rpc";
import type { ReplayPlan } from "./replay-ring";
import type { ForgetUserResult } from "../protocol/deletion";
import type { RoomState } from "./room-sockets";
import { refuse, type Refusal } from "./refusal";

/**
 * What a room that was never written answers, without touching its storage. Reading an unknown
 * target must cost nothing that lasts: a Durable Object that never wrote is never stored, but
 * one that created its schema on a read is a database kept forever (200 anonymous count
 * requests used to leave 200 of them). So the schema is made by the first write
 * (RoomCore.parts, durable-objects/room/room-core.ts), and until then every read is answered from here: zeros, empty
 * lists, default settings, exactly what the same read of a freshly created room would say.
 */
export function hasRoomSchema(sql: SqlStorage): boolean {
  // A read of sqlite_master writes nothing; the version row comes with the schema's last step.
  return sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").toArray().length > 0;
}

export function unwrittenState(target: string | null): RoomState {
  return { target: target ?? "", count: 0, seq: 0, comments: 0, reactions: {}, pinned: null, settings: DEFAULT_ROOM_SETTINGS };
}

export function unwrittenInfo(target: string): TargetInfo {
  return { target, owner: null, title: null, settings: DEFAULT_ROOM_SETTINGS, moderators: [], pinned: null };
}

export const UNWRITTEN_COMMENTS: RoomCommentsPage = { items: [] };

export function nothingToForget(target: string): ForgetUserResult {
  return { target, likesRemoved: 0, reactionsRemoved: 0, commentsErased: 0, outboxAnonymised: 0, idempotencyKeysRemoved: 0, count: 0, seq: 0 };
}

/** A room with no owner and no moderators: only an admin's token makes a moderator there. */
export function forModeratorsOnly<T>(actor: Actor, value: T): RoomResult<T> {
  return actor.roles.includes(ADMIN_ROLE) ? { ok: true, value } : NOT_A_MODERATOR;
}

export const NOT_A_MODERATOR = refuse(403, "forbidden", "only the room's owner, its moderators and admins may do this");

/** A reconnecting socket that saw a seq this room never reached gets a resync, as anywhere. */
export function unwrittenReplay(since: number, currentSeq: number): ReplayPlan {
  return since === currentSeq ? { kind: "replay", events: [] } : { kind: "resync" };
}

/**
 * Who reacted, read from an unwritten room: nobody, except that a comment it cannot hold (one
 * named by `commentId`, or the comment of a `comment:<id>` room no parent ever bound) is a 404,
 * as RoomReactions answers for a comment it cannot find.
 */
export function unwrittenReactionUsers<T>(target: string, commentId: string | undefined, empty: T): RoomResult<T> {
  const missing = commentId ?? commentIdOfTarget(target);
  if (missing !== null && (commentId !== undefined || CommentId.safeParse(missing).success)) {
    return refuse(404, "comment_not_found", `no comment ${missing}`);
  }
  return { ok: true, value: empty };
}

/**
 * A comment action (delete, highlight, pin, report) in a room that holds no comment: refused as
 * the room would refuse it, without storing the room. `moderatorsOnly` first asks for a
 * moderator, as highlight and pin do.
 */
export function noSuchComment(actor: Actor, commentId: string, moderatorsOnly: boolean): Refusal {
  if (moderatorsOnly && !actor.roles.includes(ADMIN_ROLE)) return NOT_A_MODERATOR;
  return refuse(404, "comment_not_found", `no comment ${commentId} in this room`);
}
