import { noteOutgoingUserRef } from "./user-ref-sender";

/**
 * A room names this user outside likes, comments and events (as owner, moderator, member,
 * banned user or reporter). Noted inside the write transaction and sent to the user's own
 * object by an alarm job (user-ref-sender.ts), so a deletion of the user finds this room too.
 */
export function noteUserRef(sql: SqlStorage, userId: string): void {
  noteOutgoingUserRef(sql, userId, Date.now());
}
