import type { ImportArchivedCommentsResult, LegacyCommentRow } from "../../protocol/comment-backfill";
import type { CommentArchive } from "./comment-archive";

/**
 * The legacy D1 archive, moved into the room's own R2 archive (docs/comments.md). Before issue 17
 * a room trimmed its window into D1 `comments`; those comments are older than anything the room
 * still holds. The backfill hands them over newest first, a page at a time, each page below
 * every page the room has, so the room's reads, overlay and erasure treat them like its own.
 * Whatever the room already holds (window or archive) is never taken again: the oldest id it
 * holds (`below`) is where the next page ends, so a rerun or a resumed call moves nothing twice.
 */
export class LegacyComments {
  constructor(
    private readonly sql: SqlStorage,
    private readonly archive: CommentArchive,
  ) {}

  /** The oldest comment id the room holds, in its window or its archive; null if none. */
  below(): string | null {
    const inWindow = this.sql.exec<{ id: string | null }>("SELECT MIN(id) AS id FROM comments").one().id;
    const archived = this.archive.oldestArchived();
    if (inWindow === null) return archived;
    return archived === null || inWindow < archived ? inWindow : archived;
  }

  async importPage(target: string, comments: readonly LegacyCommentRow[]): Promise<ImportArchivedCommentsResult> {
    const bound = this.below();
    const isOlder = (id: string, than: string | null) => than === null || id < than;
    const unique = new Map(comments.filter((row) => isOlder(row.id, bound)).map((row) => [row.id, row]));
    const rows = [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    if (rows.length === 0) return { imported: 0, pages: 0, below: bound };
    const recorded = await this.archive.prependPage(target, rows, (lastId) => isOlder(lastId, this.below()));
    return { imported: recorded ? rows.length : 0, pages: recorded ? 1 : 0, below: this.below() };
  }
}
