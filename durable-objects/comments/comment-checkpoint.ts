import { drizzle } from "drizzle-orm/d1";
import { sql as dsql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { comments } from "../../workers/db/schema";
import { ERASED_AUTHOR_NAME } from "../../protocol/comments";
import type { CommentStore, CommentRow } from "./comment-store";

/** 13 columns per row; D1 binds at most 100 parameters per statement. */
const ROWS_PER_INSERT = 7;
export const COMMENT_ROWS_PER_CHECKPOINT = 700;

/**
 * Copies comments created or changed since the last checkpoint to D1 (the full history,
 * deleted comments without text or author), then forgets only the pending marks it copied:
 * a comment that changed again while D1 was answering has a newer seq and stays pending.
 */
export async function checkpointComments(
  d1: D1Database,
  roomSql: SqlStorage,
  store: CommentStore,
  target: string,
): Promise<{ written: number; more: boolean }> {
  const pending = roomSql
    .exec<{ id: string; seq: number }>("SELECT id, seq FROM comment_d1_pending ORDER BY seq LIMIT ?", COMMENT_ROWS_PER_CHECKPOINT)
    .toArray();
  if (pending.length === 0) return { written: 0, more: false };
  const rows = pending.map((mark) => store.find(mark.id)).filter((row): row is CommentRow => row !== null);
  const reactions = store.reactionsOf(rows.map((row) => row.id));
  const db = drizzle(d1);
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const values = rows.slice(i, i + ROWS_PER_INSERT).map((row) => ({
      id: row.id,
      target,
      seq: row.seq,
      // The archive keeps a deleted comment as an anonymous tombstone; only the room keeps its
      // author (slow mode counts deleted comments), until the author's own deletion.
      authorId: row.deleted_at === null ? row.author_id : null,
      authorName: row.deleted_at === null ? row.author_name : ERASED_AUTHOR_NAME,
      text: row.text,
      mentions: row.mentions,
      replyTo: row.reply_to,
      createdAt: row.created_at,
      deletedAt: row.deleted_at,
      highlighted: row.highlighted,
      replies: row.replies,
      reactions: JSON.stringify(reactions.get(row.id) ?? {}),
    }));
    statements.push(
      db
        .insert(comments)
        .values(values)
        .onConflictDoUpdate({
          target: comments.id,
          set: {
            authorId: dsql`excluded.author_id`,
            authorName: dsql`excluded.author_name`,
            text: dsql`excluded.text`,
            mentions: dsql`excluded.mentions`,
            deletedAt: dsql`excluded.deleted_at`,
            highlighted: dsql`excluded.highlighted`,
            replies: dsql`excluded.replies`,
            reactions: dsql`excluded.reactions`,
          },
        }),
    );
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
  const lastSeq = pending.at(-1)!.seq;
  roomSql.exec("DELETE FROM comment_d1_pending WHERE seq <= ?", lastSeq);
  return { written: rows.length, more: pending.length === COMMENT_ROWS_PER_CHECKPOINT };
}
