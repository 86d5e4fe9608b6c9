import { z } from "zod";
import { CommentId } from "./comments";
import { TargetId } from "./target";

/**
 * Moving the legacy D1 comment archive (`comments`, written by the rooms' checkpoints before
 * issue 17) into each room's R2 archive (docs/comments.md, "Backfill of the D1 archive").
 */

/** Targets one call visits at most; each costs a few D1 queries and room calls. */
export const MAX_BACKFILL_TARGETS = 50;
export const DEFAULT_BACKFILL_TARGETS = 10;

export const CommentArchiveBackfillRequest = z.strictObject({
  /** `nextCursor` of the previous call; absent: from the first target. */
  cursor: z.string().min(1).max(1024).optional(),
  limit: z.number().int().min(1).max(MAX_BACKFILL_TARGETS).optional(),
});
export type CommentArchiveBackfillRequest = z.infer<typeof CommentArchiveBackfillRequest>;

export const CommentArchiveBackfillReport = z.object({
  /** True when no target is left after this call: a rerun from no cursor finds nothing to move. */
  done: z.boolean(),
  /** Pass it to the next call; null when done. */
  nextCursor: z.string().nullable(),
  targetsVisited: z.number().int().nonnegative(),
  /** Comments handed to their rooms and written into R2 pages (tombstones included). */
  commentsMoved: z.number().int().nonnegative(),
  /** Of those, comments brought over as anonymous tombstones: their author's deletion is completed or under way. */
  commentsErased: z.number().int().nonnegative(),
  pagesWritten: z.number().int().nonnegative(),
  /** D1 rows whose id or fields no room could place (not written by a room); they stay in D1 only. */
  commentsUnreadable: z.number().int().nonnegative(),
  /** D1 queries this call ran; it stops before D1's per-invocation limit. */
  d1Queries: z.number().int().nonnegative(),
});
export type CommentArchiveBackfillReport = z.infer<typeof CommentArchiveBackfillReport>;

/** One legacy comment as the room stores it (the D1 row without its target and reactions). */
export const LegacyCommentRow = z.strictObject({
  id: CommentId,
  seq: z.number().int().nonnegative(),
  author_id: z.string().nullable(),
  author_name: z.string(),
  text: z.string(),
  mentions: z.string(),
  reply_to: CommentId.nullable(),
  created_at: z.number().int(),
  deleted_at: z.number().int().nullable(),
  highlighted: z.number().int(),
  replies: z.number().int().nonnegative(),
});
export type LegacyCommentRow = z.infer<typeof LegacyCommentRow>;

/** One archive page's worth: the newest legacy comments below the room's `below`. */
export const MAX_IMPORTED_PER_CALL = 100;

/** TargetRoom.importArchivedComments: with no comments, it only answers `below`. */
export const ImportArchivedCommentsInput = z.strictObject({
  target: TargetId,
  comments: z.array(LegacyCommentRow).max(MAX_IMPORTED_PER_CALL),
});
export type ImportArchivedCommentsInput = z.infer<typeof ImportArchivedCommentsInput>;

export interface ImportArchivedCommentsResult {
  imported: number;
  pages: number;
  /** The oldest comment id the room holds (window or archive); legacy ids below it are still to move. Null: it holds none. */
  below: string | null;
}
