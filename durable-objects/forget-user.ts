import type { ForgetUserResult } from "../protocol/deletion";
import type { LikesLedger } from "./likes-ledger";
import type { ChangeLog } from "./change-log";
import { forgetModerationData } from "./moderation/forget-moderation";

/**
 * Removes everything one room holds about a user who asked to be forgotten, in one storage
 * transaction (the caller wraps it in transactionSync):
 * - their like goes through the ledger, so the count, seq, D1 pending row and an event
 *   (without user id) stay exact and D1 converges on the next checkpoint;
 * - events still waiting in the outbox keep their id and order but lose the user id;
 * - idempotency keys, scoped `${userId}\0${key}`, are dropped;
 * - moderation rows about them (moderator, member, ban, their reports) are removed.
 * Reactions and comments add their own erasure here (remove reactions through their ledger,
 * replace comment bodies with tombstones) and report it in the result.
 */
export function forgetUserInRoom(
  sql: SqlStorage,
  likes: LikesLedger,
  log: ChangeLog,
  target: string,
  userId: string,
): ForgetUserResult {
  const likesRemoved = likes.eraseUser(target, userId) ? 1 : 0;
  if (likesRemoved > 0) log.emit(likes.lastSeq, Date.now(), { kind: "unlike", count: likes.count });

  const outboxAnonymised = sql.exec(
    "UPDATE outbox SET body = json_set(body, '$.userId', json('null')) WHERE json_extract(body, '$.userId') = ?",
    userId,
  ).rowsWritten;
  if (outboxAnonymised > 0) log.touch();

  // A range scan, not LIKE/substr: user ids may hold '%' or characters whose length differs
  // between JavaScript and SQLite.
  const scope = `${userId}\u0000`;
  const idempotencyKeysRemoved = sql.exec(
    "DELETE FROM idempotency WHERE key >= ? AND key < ?",
    scope,
    `${userId}\u0001`,
  ).rowsWritten;

  forgetModerationData(sql, userId);

  return { target, likesRemoved, outboxAnonymised, idempotencyKeysRemoved, count: likes.count, seq: likes.lastSeq };
}
