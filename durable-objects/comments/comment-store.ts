import { z } from "zod";
import { ERASED_AUTHOR_NAME, type Comment } from "../../protocol/comments";
import type { RoomMeta } from "../room-meta";

/**
 * One row of the room's comments table, as the archive's pages and a comment hidden by reports
 * (held-store.ts) keep it too: one shape, parsed back wherever it was written down.
 */
export const COMMENT_ROW_SHAPE = {
  id: z.string(),
  seq: z.number().int(),
  author_id: z.string().nullable(),
  author_name: z.string(),
  text: z.string(),
  mentions: z.string(),
  reply_to: z.string().nullable(),
  created_at: z.number(),
  deleted_at: z.number().nullable(),
  highlighted: z.number().int(),
  replies: z.number().int(),
  /** Set by the author's last edit; absent in pages archived before edits existed. */
  edited_at: z.number().nullable().optional(),
};
export type CommentRow = z.infer<z.ZodObject<typeof COMMENT_ROW_SHAPE>>;

/** SQLite binds at most 100 parameters per statement. */
const IDS_PER_QUERY = 99;

/**
 * The comments a room holds (its recent window; older ones are in R2 only, see
 * comment-archive.ts) and the count of visible comments, archived ones included. Every
 * method runs synchronously inside the caller's write transaction.
 */
export class CommentStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
  ) {}

  get visibleCount(): number {
    return Number(this.meta.get("comments") ?? 0);
  }

  find(id: string): CommentRow | null {
    return this.sql.exec<CommentRow>("SELECT * FROM comments WHERE id = ?", id).toArray()[0] ?? null;
  }

  insert(row: CommentRow): void {
    this.write(row, "INSERT");
    if (row.reply_to !== null) this.sql.exec("UPDATE comments SET replies = replies + 1 WHERE id = ?", row.reply_to);
    this.addVisible(1);
  }

  private write(row: CommentRow, verb: "INSERT"): void {
    this.sql.exec(
      `${verb} INTO comments (id, seq, author_id, author_name, text, mentions, reply_to, created_at, deleted_at, highlighted, replies)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.seq,
      row.author_id,
      row.author_name,
      row.text,
      row.mentions,
      row.reply_to,
      row.created_at,
      row.deleted_at,
      row.highlighted,
      row.replies,
    );
  }

  /**
   * Turns a comment into a tombstone: it leaves every listing and keeps no text. With
   * `erase`, the author's id and name go too (a user who asked to be forgotten).
   */
  tombstone(row: CommentRow, at: number, erase: boolean): void {
    if (row.deleted_at === null) {
      this.addVisible(-1);
      if (row.reply_to !== null) this.sql.exec("UPDATE comments SET replies = MAX(replies - 1, 0) WHERE id = ?", row.reply_to);
    }
    this.sql.exec(
      `UPDATE comments SET deleted_at = COALESCE(deleted_at, ?), text = '', mentions = '[]', highlighted = 0,
         author_id = CASE WHEN ? THEN NULL ELSE author_id END,
         author_name = CASE WHEN ? THEN ? ELSE author_name END
       WHERE id = ?`,
      at,
      erase ? 1 : 0,
      erase ? 1 : 0,
      ERASED_AUTHOR_NAME,
      row.id,
    );
    // A deleted comment keeps no text, superseded versions included.
    this.sql.exec("DELETE FROM comment_edits WHERE comment_id = ?", row.id);
  }

  /**
   * Takes a visible comment out of the window (reports hid it, comments/held-comments.ts): it
   * leaves every page and count as a deletion would, but keeps its versions for `restore`.
   */
  withdraw(row: CommentRow): void {
    this.sql.exec("DELETE FROM comments WHERE id = ?", row.id);
    this.addVisible(-1);
    if (row.reply_to !== null) this.sql.exec("UPDATE comments SET replies = MAX(replies - 1, 0) WHERE id = ?", row.reply_to);
  }

  /** Puts a withdrawn comment back as it was; its replies are counted again, some may have gone meanwhile. */
  restore(row: CommentRow): void {
    const replies = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comments WHERE reply_to = ? AND deleted_at IS NULL", row.id).one().n;
    this.insert({ ...row, replies });
    if (row.edited_at !== undefined && row.edited_at !== null) this.sql.exec("UPDATE comments SET edited_at = ? WHERE id = ?", row.edited_at, row.id);
  }

  /** The superseded versions of a comment, oldest first. */
  edits(id: string): { version: number; text: string; supersededAt: number }[] {
    return this.sql
      .exec<{ version: number; text: string; superseded_at: number }>(
        "SELECT version, text, superseded_at FROM comment_edits WHERE comment_id = ? ORDER BY version",
        id,
      )
      .toArray()
      .map((row) => ({ version: row.version, text: row.text, supersededAt: row.superseded_at }));
  }

  /** How many times the comment was edited (its superseded versions). */
  editCount(id: string): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comment_edits WHERE comment_id = ?", id).one().n;
  }

  /** Keeps the current text as superseded version `version` and stores the new one. */
  replaceText(row: CommentRow, version: number, text: string, mentions: string, at: number): void {
    this.sql.exec("INSERT INTO comment_edits (comment_id, version, text, superseded_at) VALUES (?, ?, ?, ?)", row.id, version, row.text, at);
    this.sql.exec("UPDATE comments SET text = ?, mentions = ?, edited_at = ? WHERE id = ?", text, mentions, at, row.id);
  }

  setHighlighted(id: string, highlighted: boolean): void {
    this.sql.exec("UPDATE comments SET highlighted = ? WHERE id = ?", highlighted ? 1 : 0, id);
  }

  /** Newest first, visible only, ids below `before`; top level unless `replyTo` names a root. */
  page(options: { before: string | null; limit: number; replyTo: string | null }): CommentRow[] {
    const before = options.before ?? "~";
    return options.replyTo === null
      ? this.sql
          .exec<CommentRow>(
            "SELECT * FROM comments WHERE reply_to IS NULL AND deleted_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?",
            before,
            options.limit,
          )
          .toArray()
      : this.sql
          .exec<CommentRow>(
            "SELECT * FROM comments WHERE reply_to = ? AND deleted_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?",
            options.replyTo,
            before,
            options.limit,
          )
          .toArray();
  }

  byAuthor(userId: string): CommentRow[] {
    return this.sql.exec<CommentRow>("SELECT * FROM comments WHERE author_id = ?", userId).toArray();
  }

  /** Reaction counts per comment for a page of comments, in one query per 99 ids. */
  reactionsOf(ids: readonly string[]): Map<string, Record<string, number>> {
    const byId = new Map<string, Record<string, number>>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + IDS_PER_QUERY);
      const rows = this.sql.exec<{ subject: string; emoji: string; n: number }>(
        `SELECT subject, emoji, n FROM reaction_counts WHERE n > 0 AND subject IN (${chunk.map(() => "?").join(",")}) ORDER BY emoji`,
        ...chunk,
      );
      for (const row of rows) {
        const counts = byId.get(row.subject) ?? {};
        counts[row.emoji] = row.n;
        byId.set(row.subject, counts);
      }
    }
    return byId;
  }

  /** Visible comments with at least one reaction, with their reaction total. */
  reacted(): (CommentRow & { total: number })[] {
    return this.sql
      .exec<CommentRow & { total: number }>(
        `SELECT c.*, t.total FROM comments c
         JOIN (SELECT subject, SUM(n) AS total FROM reaction_counts WHERE subject != '' GROUP BY subject HAVING SUM(n) > 0) t
           ON t.subject = c.id
         WHERE c.deleted_at IS NULL`,
      )
      .toArray();
  }

  addVisible(delta: number): void {
    this.meta.set("comments", String(Math.max(0, this.visibleCount + delta)));
  }
}

/** The columns a comment and a held one (held-store.ts) share, under the same names. */
export type WrittenRow = Pick<CommentRow, "id" | "author_id" | "author_name" | "text" | "mentions" | "reply_to" | "created_at">;

/** The fields a Comment and a HeldComment share (protocol/held.ts picks them from Comment), in the wire's order. */
export function writtenFields(target: string, row: WrittenRow): Pick<Comment, "id" | "target" | "author" | "text" | "mentions" | "replyTo" | "createdAt"> {
  return {
    id: row.id,
    target,
    author: { id: row.author_id, name: row.author_name },
    text: row.text,
    mentions: parseMentionList(row.mentions),
    replyTo: row.reply_to,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function toComment(target: string, row: CommentRow, reactions: Record<string, number>): Comment {
  return {
    ...writtenFields(target, row),
    seq: row.seq,
    reactions,
    replies: row.replies,
    highlighted: row.highlighted === 1,
    deleted: row.deleted_at !== null,
    ...(row.edited_at === undefined || row.edited_at === null ? {} : { editedAt: new Date(row.edited_at).toISOString() }),
  };
}

export function parseMentionList(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}
