import type { ForgetUserResult } from "../protocol/deletion";
import type { LikesLedger } from "./likes/likes-ledger";
import type { ChangeLog } from "./write-path/change-log";
import type { ReactionsLedger } from "./reactions/reactions-ledger";
import { forgetModerationData } from "./moderation/forget-moderation";
import { anonymiseOutboxEvents } from "./outbox";

/**
 * Removes everything one room holds about a user who asked to be forgotten, in one storage
 * transaction (the caller wraps it in transactionSync):
 * - their like goes through the ledger, so the count, seq and an event (without user id)
 *   stay exact;
 * - their reactions (on the target and on every comment here) go through the reactions
 *   ledger the same way: exact counts, one seq, live event and anonymous event each;
 * - events still waiting in the outbox keep their id and order but lose the user id;
 * - idempotency keys, scoped `${userId}\0${key}`, are dropped;
 * - moderation rows about them (moderator, member, ban, their reports) are removed; a ban in
 *   force is handed to `keepBan` first, which keeps it under a keyed hash.
 * Comments are tombstoned by the room's comments (durable-objects/comments/room-comments.ts).
 */
export function forgetUserInRoom(
  sql: SqlStorage,
  likes: LikesLedger,
  reactions: ReactionsLedger,
  log: ChangeLog,
  target: string,
  userId: string,
  keepBan?: (until: number | null) => void,
): Omit<ForgetUserResult, "commentsErased"> {
  const likesRemoved = likes.eraseUser(target, userId) ? 1 : 0;
  if (likesRemoved > 0) log.emit(likes.lastSeq, Date.now(), { kind: "unlike", count: likes.count });
  const reactionsRemoved = reactions.eraseUser(target, userId, log);

  const outboxAnonymised = anonymiseOutboxEvents(sql, userId);
  if (outboxAnonymised > 0) log.touch();

  // A range scan, not LIKE/substr: user ids may hold '%' or characters whose length differs
  // between JavaScript and SQLite.
  const scope = `${userId}\u0000`;
  const idempotencyKeysRemoved = sql.exec(
    "DELETE FROM idempotency WHERE key >= ? AND key < ?",
    scope,
    `${userId}\u0001`,
  ).rowsWritten;

  forgetModerationData(sql, userId, keepBan);

  return { target, likesRemoved, reactionsRemoved, outboxAnonymised, idempotencyKeysRemoved, count: likes.count, seq: likes.lastSeq };
}
