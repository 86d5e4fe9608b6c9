import { z } from "zod";
import type { HeldComment, HeldCursor, HeldFor, HeldPage } from "../../protocol/held";
import { COMMENT_ROW_SHAPE, writtenFields, type CommentRow } from "./comment-store";

/**
 * Room schema step (room-migrations.ts). Held comments live apart from `comments`, so every
 * read of the room (pages, counts, top, replies, retention, the archive) leaves them out by
 * construction. `published` keeps a comment hidden by reports: the row it had in `comments`
 * (JSON), put back as it was if a moderator approves it. `edit_of` marks a held edit of that
 * published comment.
 */
export const HELD_COMMENTS_TABLE = `CREATE TABLE held_comments (id TEXT PRIMARY KEY, author_id TEXT NOT NULL, author_name TEXT NOT NULL, text TEXT NOT NULL, mentions TEXT NOT NULL, reply_to TEXT, created_at INTEGER NOT NULL, held_at INTEGER NOT NULL, held_for TEXT NOT NULL, published TEXT, edit_of TEXT) WITHOUT ROWID;
CREATE INDEX held_comments_by_time ON held_comments (held_at, id);
CREATE INDEX held_comments_by_author ON held_comments (author_id);
CREATE INDEX held_comments_by_edit ON held_comments (edit_of) WHERE edit_of IS NOT NULL;`;

/**
 * Room schema step: when the room itself publishes a comment held by its publish delay
 * (held_for `delay`). Apart from held_comments so the step adds a table rather than altering
 * one; a row goes whenever its held comment goes (HeldStore.remove).
 */
export const DELAYED_COMMENTS_TABLE = `CREATE TABLE delayed_comments (id TEXT PRIMARY KEY, release_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX delayed_comments_by_release ON delayed_comments (release_at, id);`;

export type HeldRow = {
  id: string;
  author_id: string;
  author_name: string;
  text: string;
  mentions: string;
  reply_to: string | null;
  created_at: number;
  held_at: number;
  held_for: HeldFor;
  published: string | null;
  edit_of: string | null;
};

/** The review queue's rows; every method runs inside the caller's write transaction. */
export class HeldStore {
  constructor(private readonly sql: SqlStorage) {}

  find(id: string): HeldRow | null {
    return this.sql.exec<HeldRow>("SELECT * FROM held_comments WHERE id = ?", id).toArray()[0] ?? null;
  }

  insert(row: HeldRow): void {
    this.sql.exec(
      `INSERT INTO held_comments (id, author_id, author_name, text, mentions, reply_to, created_at, held_at, held_for, published, edit_of)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.author_id,
      row.author_name,
      row.text,
      row.mentions,
      row.reply_to,
      row.created_at,
      row.held_at,
      row.held_for,
      row.published,
      row.edit_of,
    );
  }

  /** The held edits of one published comment. */
  editsOf(commentId: string): HeldRow[] {
    return this.sql.exec<HeldRow>("SELECT * FROM held_comments WHERE edit_of = ?", commentId).toArray();
  }

  /** A restricted author edited what they were shown as published (held-comments.ts shadowEdit). */
  rewrite(id: string, text: string, mentions: string): void {
    this.sql.exec("UPDATE held_comments SET text = ?, mentions = ? WHERE id = ?", text, mentions, id);
  }

  remove(id: string): void {
    this.sql.exec("DELETE FROM held_comments WHERE id = ?", id);
    this.sql.exec("DELETE FROM delayed_comments WHERE id = ?", id);
  }

  delayUntil(id: string, releaseAt: number): void {
    this.sql.exec("INSERT INTO delayed_comments (id, release_at) VALUES (?, ?)", id, releaseAt);
  }

  releaseAt(id: string): number | null {
    return this.sql.exec<{ release_at: number }>("SELECT release_at FROM delayed_comments WHERE id = ?", id).toArray()[0]?.release_at ?? null;
  }

  /** Delayed comments due by `now`, oldest release first. */
  due(now: number, limit: number): HeldRow[] {
    return this.sql
      .exec<HeldRow>(
        "SELECT h.* FROM delayed_comments d JOIN held_comments h ON h.id = d.id WHERE d.release_at <= ? ORDER BY d.release_at, d.id LIMIT ?",
        now,
        limit,
      )
      .toArray();
  }

  nextRelease(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(release_at) AS at FROM delayed_comments").one().at;
  }

  /** Oldest first: the queue is worked from its front, and a comment waits no longer than its elders. */
  page(target: string, before: HeldCursor | undefined, limit: number): HeldPage {
    const rows = this.sql
      .exec<HeldRow>(
        before === undefined
          ? "SELECT * FROM held_comments ORDER BY held_at, id LIMIT ?"
          : "SELECT * FROM held_comments WHERE held_at > ? OR (held_at = ? AND id > ?) ORDER BY held_at, id LIMIT ?",
        ...(before === undefined ? [limit + 1] : [before.heldAt, before.heldAt, before.id, limit + 1]),
      )
      .toArray();
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items: rows.slice(0, limit).map((row) => toHeldComment(target, row, this.releaseAt(row.id))), next: last === undefined ? null : { heldAt: last.held_at, id: last.id } };
  }

  /** A restricted author's shadowed comments beyond the newest `keep`, oldest first. */
  oldestShadowed(userId: string, keep: number): HeldRow[] {
    return this.sql
      .exec<HeldRow>("SELECT * FROM held_comments WHERE author_id = ? AND held_for = 'restricted' ORDER BY held_at DESC, id DESC LIMIT -1 OFFSET ?", userId, keep)
      .toArray();
  }

  countByAuthor(userId: string): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM held_comments WHERE author_id = ? AND held_for <> 'restricted'", userId).one().n;
  }

  byAuthor(userId: string): HeldRow[] {
    return this.sql.exec<HeldRow>("SELECT * FROM held_comments WHERE author_id = ?", userId).toArray();
  }

  /**
   * One author's newest `limit` rows, shadowed (`restricted`) or held for anything else,
   * oldest first: what their hello shows them (comments/yours.ts).
   */
  newestByAuthor(userId: string, shadowed: boolean, limit: number): HeldRow[] {
    return this.sql
      .exec<HeldRow>(`SELECT * FROM held_comments WHERE author_id = ? AND held_for ${shadowed ? "=" : "<>"} 'restricted' ORDER BY held_at DESC, id DESC LIMIT ?`, userId, limit)
      .toArray()
      .reverse();
  }
}

/** The row a comment hidden by reports had in `comments`, as kept in `published`. */
export function publishedRow(row: HeldRow): CommentRow | null {
  if (row.published === null) return null;
  const parsed = StoredCommentRow.safeParse(JSON.parse(row.published));
  return parsed.success ? parsed.data : null;
}

const StoredCommentRow = z.object(COMMENT_ROW_SHAPE);

/** `releaseAt`: a delayed comment's publication time (delayed_comments). */
export function toHeldComment(target: string, row: HeldRow, releaseAt: number | null = null): HeldComment {
  return {
    ...writtenFields(target, row),
    held: true,
    heldFor: row.held_for,
    ...(row.edit_of === null ? {} : { editOf: row.edit_of }),
    ...(releaseAt === null ? {} : { releaseAt: new Date(releaseAt).toISOString() }),
  };
}
