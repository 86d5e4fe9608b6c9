import { z } from "zod";
import {
  DEFAULT_BACKFILL_TARGETS,
  LegacyCommentRow,
  MAX_IMPORTED_PER_CALL,
  type CommentArchiveBackfillReport,
  type CommentArchiveBackfillRequest,
} from "../protocol/comment-backfill";
import { ERASED_AUTHOR_NAME } from "../protocol/comments";
import { TargetId } from "../protocol/target";
import { decodeCursor, encodeCursor } from "./cursor";
import type { AppEnv } from "../platform/env";
import { ApiError } from "./errors";
import { logEvent } from "../platform/log";
import { roomFor } from "../platform/rooms";
import { subjectKeySecret, subjectKeys } from "./subject-key";

/**
 * D1 answers at most 50 queries per Worker invocation on the Free plan (1,000 on Paid), and a
 * Free invocation makes at most 50 subrequests (room calls among them): one call spends at most
 * this many of D1 queries and room calls together, then answers a cursor to continue from.
 */
export const OPERATIONS_PER_CALL = 45;
/** One page of a target: its rows, their authors' receipts (up to 2 queries), the room. */
const OPERATIONS_PER_PAGE = 4;
/** D1 binds at most 100 parameters per statement. */
const KEYS_PER_QUERY = 99;

/** Where a call continues: after a finished target, or inside a target below a comment id. */
const BackfillCursor = z.union([
  z.strictObject({ after: TargetId }),
  z.strictObject({ target: TargetId, before: z.string().nullable() }),
]);
type BackfillCursor = z.infer<typeof BackfillCursor>;

/** A legacy D1 row; its `reactions` copy is not read (the room counts reactions itself). */
const HasId = z.object({ id: z.string() });
const D1CommentRow = z.object({ ...LegacyCommentRow.shape, id: z.string(), reply_to: z.string().nullable() });

type Counters = { targetsVisited: number; commentsMoved: number; commentsErased: number; pagesWritten: number; commentsUnreadable: number; d1Queries: number; roomCalls: number };

function spent(counters: Counters): number {
  return counters.d1Queries + counters.roomCalls;
}

function lower(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/**
 * Moves the legacy D1 `comments` archive (written by rooms' checkpoints before issue 17, for
 * comments their windows had trimmed) into each room's R2 archive: each target's rows older than
 * anything its room holds go to the room, a page at a time, newest first
 * (TargetRoom.importArchivedComments), so the room numbers the pages, keeps their authors for
 * erasure and applies its overlay like for its own pages. Comments of users whose deletion is
 * under way or completed (after the comment was written) arrive as anonymous tombstones. D1 is
 * only read. Resumable: the answer's cursor continues where the call stopped, and a rerun moves
 * nothing again, since each room answers the oldest comment it holds.
 */
export async function backfillCommentArchive(env: AppEnv, request: CommentArchiveBackfillRequest): Promise<CommentArchiveBackfillReport> {
  const limit = request.limit ?? DEFAULT_BACKFILL_TARGETS;
  const start: BackfillCursor | null = request.cursor === undefined ? null : decodeCursor(request.cursor, BackfillCursor);
  if (request.cursor !== undefined && start === null) throw new ApiError(400, "invalid_cursor", "cursor is not one this route answered");
  const secret = subjectKeySecret(env);
  const counters: Counters = { targetsVisited: 0, commentsMoved: 0, commentsErased: 0, pagesWritten: 0, commentsUnreadable: 0, d1Queries: 0, roomCalls: 0 };

  const targets = await listTargets(env.DB, start, limit + 1, counters);
  let next: BackfillCursor | null = null;
  for (const [i, target] of targets.slice(0, limit).entries()) {
    const resumeBelow = start !== null && "target" in start && start.target === target ? start.before : null;
    if (OPERATIONS_PER_CALL - spent(counters) < 1 + OPERATIONS_PER_PAGE) {
      next = { target, before: resumeBelow };
      break;
    }
    const stoppedBelow = await backfillTarget(env, secret, target, resumeBelow, counters);
    counters.targetsVisited++;
    if (stoppedBelow !== undefined) {
      next = { target, before: stoppedBelow };
      break;
    }
    if (i === limit - 1 && targets.length > limit) next = { after: target };
  }
  const report = { done: next === null, nextCursor: next === null ? null : encodeCursor(next), ...counters };
  logEvent("comment_archive_backfill", report);
  const { roomCalls: _roomCalls, ...answer } = report;
  return answer;
}

async function listTargets(d1: D1Database, from: BackfillCursor | null, n: number, counters: Counters): Promise<string[]> {
  counters.d1Queries++;
  const query =
    from === null
      ? d1.prepare("SELECT DISTINCT target FROM comments ORDER BY target LIMIT ?").bind(n)
      : "after" in from
        ? d1.prepare("SELECT DISTINCT target FROM comments WHERE target > ? ORDER BY target LIMIT ?").bind(from.after, n)
        : d1.prepare("SELECT DISTINCT target FROM comments WHERE target >= ? ORDER BY target LIMIT ?").bind(from.target, n);
  const { results } = await query.all();
  return z.array(z.object({ target: TargetId })).parse(results).map((row) => row.target);
}

/**
 * One target's legacy rows below what its room holds (and below `resumeBelow`), page by page.
 * Answers undefined when the target is done, or the id to continue below when the budget ran out.
 */
async function backfillTarget(env: AppEnv, secret: string, target: string, resumeBelow: string | null, counters: Counters): Promise<string | null | undefined> {
  const room = roomFor(env, target);
  const call = async (comments: LegacyCommentRow[]) => {
    counters.roomCalls++;
    try {
      return await room.importArchivedComments({ target, comments });
    } catch (error) {
      throw new ApiError(503, "backfill_room_unavailable", `the room of ${target} refused the backfill; call again with the same cursor`, {
        target,
        error: String(error),
      });
    }
  };
  let bound = lower((await call([])).below, resumeBelow);
  for (;;) {
    if (OPERATIONS_PER_CALL - spent(counters) < OPERATIONS_PER_PAGE) return bound;
    counters.d1Queries++;
    const { results } = await (bound === null
      ? env.DB.prepare("SELECT * FROM comments WHERE target = ? ORDER BY id DESC LIMIT ?").bind(target, MAX_IMPORTED_PER_CALL)
      : env.DB.prepare("SELECT * FROM comments WHERE target = ? AND id < ? ORDER BY id DESC LIMIT ?").bind(target, bound, MAX_IMPORTED_PER_CALL)
    ).all();
    if (results.length === 0) return undefined;
    const rows: LegacyCommentRow[] = [];
    let lowestFetched: string | null = null;
    for (const raw of results) {
      const named = HasId.safeParse(raw);
      if (named.success) lowestFetched = lower(lowestFetched, named.data.id);
      const parsed = D1CommentRow.safeParse(raw);
      // A row the room could not place (an id of another shape) stays in D1 only, counted.
      const row = parsed.success ? LegacyCommentRow.safeParse(parsed.data) : null;
      if (row?.success === true) rows.push(row.data);
      else counters.commentsUnreadable++;
    }
    const erased = await erasedByDeletion(env.DB, secret, rows, counters);
    const now = Date.now();
    const handed = rows.map((row) =>
      erased.has(row.id)
        ? { ...row, author_id: null, author_name: ERASED_AUTHOR_NAME, text: "", mentions: "[]", highlighted: 0, deleted_at: row.deleted_at ?? now }
        : row,
    );
    const result = handed.length > 0 ? await call(handed) : { imported: 0, pages: 0, below: bound };
    counters.commentsMoved += result.imported;
    counters.pagesWritten += result.pages;
    if (result.imported > 0) counters.commentsErased += erased.size;
    const moved = lower(result.below, lowestFetched);
    // Nothing readable moved the bound (rows of another shape only): stop rather than loop.
    if (moved === null || (bound !== null && moved >= bound)) return undefined;
    bound = moved;
    if (results.length < MAX_IMPORTED_PER_CALL) return undefined;
  }
}

const ReceiptRow = z.object({ subject_key: z.string(), status: z.string(), completed_at: z.number().nullable() });

/**
 * Ids of the rows whose author's deletion is under way (it will erase them) or completed after
 * they were written (it erased them, and they must not come back). Receipts keep only a subject
 * key once completed, so authors are looked up by theirs.
 */
async function erasedByDeletion(d1: D1Database, secret: string, rows: readonly LegacyCommentRow[], counters: Counters): Promise<Set<string>> {
  const authors = [...new Set(rows.flatMap((row) => (row.author_id === null ? [] : [row.author_id])))];
  const keys = await subjectKeys(secret, authors);
  const allKeys = [...keys.values()];
  const receipts = new Map<string, z.infer<typeof ReceiptRow>[]>();
  for (let i = 0; i < allKeys.length; i += KEYS_PER_QUERY) {
    const chunk = allKeys.slice(i, i + KEYS_PER_QUERY);
    counters.d1Queries++;
    const { results } = await d1
      .prepare(`SELECT subject_key, status, completed_at FROM deletion_receipts WHERE subject_key IN (${chunk.map(() => "?").join(",")})`)
      .bind(...chunk)
      .all();
    for (const receipt of z.array(ReceiptRow).parse(results)) receipts.set(receipt.subject_key, [...(receipts.get(receipt.subject_key) ?? []), receipt]);
  }
  const erased = new Set<string>();
  for (const row of rows) {
    if (row.author_id === null) continue;
    const theirs = receipts.get(keys.get(row.author_id)!) ?? [];
    if (theirs.some((receipt) => receipt.status !== "completed" || (receipt.completed_at ?? Number.MAX_SAFE_INTEGER) >= row.created_at)) erased.add(row.id);
  }
  return erased;
}
