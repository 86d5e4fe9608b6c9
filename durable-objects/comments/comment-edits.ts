import type { Comment } from "../../protocol/comments";
import type { RoomError } from "../../protocol/internal/room-rpc";
import type { Revision } from "../../protocol/internal/relay-rpc";
import type { CommentRow } from "./comment-store";

/** Versions an author may replace; a thread is not a wiki. */
export const MAX_EDITS = 5;

export const COMMENT_EDITS_MIGRATION = `
  ALTER TABLE comments ADD COLUMN edited_at INTEGER;
  CREATE TABLE comment_edits (comment_id TEXT NOT NULL, version INTEGER NOT NULL, text TEXT NOT NULL, superseded_at INTEGER NOT NULL, PRIMARY KEY (comment_id, version)) WITHOUT ROWID;`;

/**
 * Why a comment can no longer be edited, or null. The window is the room's setting; a comment
 * a moderator pinned or highlighted keeps the text the moderator acted on. (A comment that left
 * the room's window for the archive is not found by the caller at all.)
 */
export function editClosed(row: Pick<CommentRow, "created_at" | "highlighted">, windowMinutes: number, pinned: boolean, versions: number, now: number): RoomError | null {
  if (windowMinutes === 0) return { status: 403, code: "edits_disabled", message: "edits are turned off in this room" };
  if (now > row.created_at + windowMinutes * 60_000) {
    return { status: 409, code: "edit_closed", message: `comments can be edited for ${windowMinutes} min after posting` };
  }
  if (pinned || row.highlighted === 1) return { status: 409, code: "edit_locked", message: "a moderator acted on this comment; it can no longer be edited" };
  if (versions >= MAX_EDITS) return { status: 409, code: "edit_limit", message: `a comment can be edited at most ${MAX_EDITS} times` };
  return null;
}

/**
 * What the histories' quotes of an edited comment must now say, or null for a comment never
 * edited: its quotes already say what it says, and a revision would mark it edited there.
 */
export function revisionOf(comment: Comment): Revision | null {
  return comment.editedAt === undefined ? null : { id: comment.id, text: comment.text, mentions: comment.mentions, editedAt: comment.editedAt };
}

/** The revisions of those of `comments` that were edited (a publication after a hold or delay often was not). */
export function revisionsOf(comments: readonly Comment[]): Revision[] {
  return comments.flatMap((comment) => revisionOf(comment) ?? []);
}
