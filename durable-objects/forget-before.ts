import type { ForgetUserResult } from "../protocol/deletion";
import type { LikesLedger } from "./likes/likes-ledger";
import type { ChangeLog } from "./write-path/change-log";
import type { ReactionsLedger } from "./reactions/reactions-ledger";

/**
 * The bounce of events that reached a deleted user's object late (workers/forgotten-bounce.ts):
 * forgets the user's like and reactions here made at or before `before`, in the caller's
 * transaction. A user who came back after their deletion keeps what they did since; their
 * idempotency keys, moderation rows and queued events are theirs again, so they stay (queued
 * events from before the deletion are dropped by the user's object anyway).
 */
export function forgetUserBeforeInRoom(
  likes: LikesLedger,
  reactions: ReactionsLedger,
  log: ChangeLog,
  target: string,
  userId: string,
  before: number,
): Omit<ForgetUserResult, "commentsErased"> {
  const likesRemoved = likes.eraseUser(target, userId, before) ? 1 : 0;
  if (likesRemoved > 0) log.emit(likes.lastSeq, Date.now(), { kind: "unlike", count: likes.count });
  const reactionsRemoved = reactions.eraseUser(target, userId, log, before);
  return { target, likesRemoved, reactionsRemoved, outboxAnonymised: 0, idempotencyKeysRemoved: 0, count: likes.count, seq: likes.lastSeq };
}
