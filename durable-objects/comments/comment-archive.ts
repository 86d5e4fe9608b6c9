import { drizzle } from "drizzle-orm/d1";
import { and, eq, lt } from "drizzle-orm";
import { comments } from "../../workers/db/schema";
import type { CommentRow } from "./comment-store";

/** An archived comment as D1 holds it, in the room's row shape; null if D1 has no such comment. */
export async function readArchivedComment(d1: D1Database, target: string, id: string): Promise<CommentRow | null> {
  const [row] = await drizzle(d1)
    .select()
    .from(comments)
    .where(and(eq(comments.id, id), eq(comments.target, target)))
    .limit(1);
  return row ? toRow(row) : null;
}

/** A user's comments in one target that live only in D1 (ids below the room's window). */
export async function readArchivedByAuthor(d1: D1Database, target: string, authorId: string, before: string): Promise<CommentRow[]> {
  const rows = await drizzle(d1)
    .select()
    .from(comments)
    .where(and(eq(comments.target, target), eq(comments.authorId, authorId), lt(comments.id, before)));
  return rows.map(toRow);
}

function toRow(row: typeof comments.$inferSelect): CommentRow {
  return {
    id: row.id,
    seq: row.seq,
    author_id: row.authorId,
    author_name: row.authorName,
    text: row.text,
    mentions: row.mentions,
    reply_to: row.replyTo,
    created_at: row.createdAt,
    deleted_at: row.deletedAt,
    highlighted: row.highlighted,
    replies: row.replies,
  };
}
