import { commentTargetOf, type BindParentInput } from "../../protocol/internal/reaction-rpc";
import type { RoomResult } from "../../protocol/internal/room-rpc";
import type { AlarmJobs } from "../alarm-jobs";

/** Alarm job of a parent room: tells each new comment's own room where the comment lives. */
export const COMMENT_BINDINGS_JOB = "comment-bindings";

/** Comment rooms told per run; each is one RPC, sent in parallel. */
const BINDINGS_PER_RUN = 50;
const BINDING_RETRY_DELAY_MS = 5_000;

export type BindParent = (input: BindParentInput) => Promise<RoomResult<{ parent: string }>>;

/**
 * Call inside the transaction that creates comment `commentId` in this room: the binding is
 * then as durable as the comment, and survives an eviction before the job runs.
 */
export function markCommentForBinding(sql: SqlStorage, commentId: string): void {
  sql.exec("INSERT INTO comment_bindings_pending (id) VALUES (?) ON CONFLICT (id) DO NOTHING", commentId);
}

/** Call after the commit that marked a comment: runs the job in the current or next wake-up. */
export async function scheduleCommentBindings(jobs: AlarmJobs, now: number = Date.now()): Promise<void> {
  await jobs.schedule(COMMENT_BINDINGS_JOB, now);
}

/**
 * One run of the job: binds up to BINDINGS_PER_RUN pending comments to `parent` and forgets
 * each one its room accepted. A refusal is final (the room already belongs to another
 * parent) and is dropped after `onRefused`; a failed call stays pending for the retry this
 * returns. Returns when to run again, or null when nothing is left.
 */
export async function bindPendingComments(
  sql: SqlStorage,
  parent: string,
  bind: BindParent,
  onRefused: (commentId: string, message: string) => void,
  now: () => number = Date.now,
): Promise<number | null> {
  const ids = sql.exec<{ id: string }>("SELECT id FROM comment_bindings_pending ORDER BY id LIMIT ?", BINDINGS_PER_RUN).toArray().map((row) => row.id);
  if (ids.length === 0) return null;
  const outcomes = await Promise.allSettled(ids.map((id) => bind({ target: commentTargetOf(id), parent })));
  let failed = 0;
  outcomes.forEach((outcome, i) => {
    const id = ids[i]!;
    if (outcome.status === "rejected") {
      failed++;
      return;
    }
    if (!outcome.value.ok) onRefused(id, outcome.value.error.message);
    sql.exec("DELETE FROM comment_bindings_pending WHERE id = ?", id);
  });
  if (failed > 0) return now() + BINDING_RETRY_DELAY_MS;
  const left = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comment_bindings_pending").one().n;
  return left > 0 ? now() : null;
}
