import { z } from "zod";
import { ERASED_AUTHOR_NAME } from "../../protocol/comments";
import { COMMENT_ROW_SHAPE, type CommentRow } from "./comment-store";

/**
 * A room's comment history below its window, in R2 (binding COMMENT_ARCHIVE, docs/comments.md).
 *
 * Pages: the oldest ARCHIVE_PAGE_COMMENTS comments of the window, in id order, one object per
 * page under `comments/<target>/<first seq>-<last seq>/v<version>.json`. A version is written
 * once (create-only) and never changed, so R2's one write per second per key never binds and a
 * page can be cached forever. The room records a page, and only then drops its rows, in one
 * transaction: a failed write leaves the window as it was and the alarm job tries again.
 *
 * Overlay: a deletion, an erasure or a reply count that changes after a comment left the window
 * is kept by the room in `comment_archive_overlay` and applied on every read, at once. The same
 * job then folds the overlay of a page into its next version (so erased text and authors leave
 * R2 for real), deletes the old version and drops the folded overlay rows: the overlay holds
 * only archived comments that changed since their page was last written.
 */
export const ARCHIVE_PAGE_COMMENTS = 100;
const CACHED_PAGES = 16;
const REWRITES_PER_RUN = 10;
const STALE_DELETES_PER_RUN = 100;
/** SQLite binds at most 100 parameters per statement. */
const IDS_PER_QUERY = 99;

export const ARCHIVE_TABLES_MIGRATION = `
  CREATE TABLE comment_archive_pages (page INTEGER PRIMARY KEY, first_id TEXT NOT NULL, last_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, version INTEGER NOT NULL, size INTEGER NOT NULL);
  CREATE TABLE comment_archive_overlay (id TEXT PRIMARY KEY, page INTEGER NOT NULL, seq INTEGER NOT NULL, deleted_at INTEGER, highlighted INTEGER, replies_delta INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
  CREATE INDEX comment_archive_overlay_by_page ON comment_archive_overlay (page);
  CREATE TABLE comment_archive_authors (author_id TEXT NOT NULL, page INTEGER NOT NULL, PRIMARY KEY (author_id, page)) WITHOUT ROWID;
  CREATE TABLE comment_archive_stale (key TEXT PRIMARY KEY) WITHOUT ROWID;`;

const ArchivedRow = z.strictObject(COMMENT_ROW_SHAPE);

export const ArchivePageBody = z.strictObject({
  format: z.literal(1),
  target: z.string(),
  /** Pages the room archived count up from 1; pages of the legacy D1 archive, older, count down from 0. */
  page: z.number().int(),
  version: z.number().int().positive(),
  comments: z.array(ArchivedRow),
});
export type ArchivePageBody = z.infer<typeof ArchivePageBody>;

type PageRow = { page: number; first_id: string; last_id: string; first_seq: number; last_seq: number; version: number; size: number };
type OverlayRow = { id: string; page: number; seq: number; deleted_at: number | null; highlighted: number | null; replies_delta: number };

export function archivePrefix(target: string): string {
  return `comments/${encodeURIComponent(target)}/`;
}

export function archivePageKey(target: string, page: Pick<PageRow, "first_seq" | "last_seq" | "version">): string {
  const pad = (seq: number) => String(seq).padStart(16, "0");
  return `${archivePrefix(target)}${pad(page.first_seq)}-${pad(page.last_seq)}/v${page.version}.json`;
}

/** What a page keeps of a comment: a deleted one is an anonymous tombstone, as the room shows it. */
/** The index row of a page holding `rows` (id order) as its first version. */
function pageOf(page: number, rows: readonly CommentRow[]): PageRow {
  const seqs = rows.map((row) => row.seq);
  return { page, first_id: rows[0]!.id, last_id: rows.at(-1)!.id, first_seq: Math.min(...seqs), last_seq: Math.max(...seqs), version: 1, size: rows.length };
}

function archivedForm(row: CommentRow): CommentRow {
  if (row.deleted_at === null) return { ...row };
  return { ...row, author_id: null, author_name: ERASED_AUTHOR_NAME, text: "", mentions: "[]", highlighted: 0 };
}

function withOverlay(row: CommentRow, overlay: OverlayRow | undefined): CommentRow {
  if (overlay === undefined) return row;
  const changed: CommentRow = {
    ...row,
    deleted_at: row.deleted_at ?? overlay.deleted_at,
    highlighted: overlay.highlighted ?? row.highlighted,
    replies: Math.max(0, row.replies + overlay.replies_delta),
  };
  return archivedForm(changed);
}

export class CommentArchive {
  /** Page versions are immutable, so a cached one is never stale; memory only. */
  private readonly cache = new Map<string, CommentRow[]>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
    private readonly bucket: () => R2Bucket,
  ) {}

  /** Ids at or below this live in R2 only (null: the room never archived a page). */
  archivedThrough(): string | null {
    return this.sql.exec<{ id: string | null }>("SELECT MAX(last_id) AS id FROM comment_archive_pages").one().id;
  }

  /**
   * Writes the oldest page of the window to R2 when the window holds a full page beyond
   * `retain`, then drops its rows. Answers whether it wrote one (the caller loops).
   */
  async archiveOldest(target: string, retain: number): Promise<boolean> {
    const held = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comments").one().n;
    if (held - retain < ARCHIVE_PAGE_COMMENTS) return false;
    const rows = this.sql.exec<CommentRow>("SELECT * FROM comments ORDER BY id LIMIT ?", ARCHIVE_PAGE_COMMENTS).toArray();
    const page = pageOf(this.sql.exec<{ n: number }>("SELECT COALESCE(MAX(page), 0) + 1 AS n FROM comment_archive_pages").one().n, rows);
    const { key, stored } = await this.writeFirstVersion(target, page, rows);
    this.storage.transactionSync(() => {
      this.recordPage(page);
      // The rows may have changed while R2 answered (or an earlier, unrecorded attempt wrote
      // the page): what differs from the stored page goes to the overlay, so nothing is lost.
      const storedById = new Map(stored.map((row) => [row.id, row]));
      for (const ids of chunks(rows.map((row) => row.id))) {
        const current = this.sql
          .exec<CommentRow>(`SELECT * FROM comments WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids)
          .toArray();
        for (const row of current) {
          const was = storedById.get(row.id);
          if (was !== undefined) this.recordDifference(page.page, was, row);
          if (row.author_id !== null && row.deleted_at === null) {
            this.sql.exec("INSERT OR IGNORE INTO comment_archive_authors (author_id, page) VALUES (?, ?)", row.author_id, page.page);
          }
        }
        this.sql.exec(`DELETE FROM comments WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
        // Edit history stays with the room's window only (docs/comments.md#edits).
        this.sql.exec(`DELETE FROM comment_edits WHERE comment_id IN (${ids.map(() => "?").join(",")})`, ...ids);
      }
    });
    this.remember(key, stored);
    return true;
  }

  /** A page's first version, create-only: an earlier, unrecorded attempt's object is answered instead. */
  private async writeFirstVersion(target: string, page: PageRow, rows: readonly CommentRow[]): Promise<{ key: string; stored: CommentRow[] }> {
    const key = archivePageKey(target, page);
    const stored = await this.putOnce(key, { format: 1, target, page: page.page, version: 1, comments: rows.map(archivedForm) });
    return { key, stored };
  }

  private recordPage(page: PageRow): void {
    this.sql.exec(
      "INSERT INTO comment_archive_pages (page, first_id, last_id, first_seq, last_seq, version, size) VALUES (?, ?, ?, ?, ?, ?, ?)",
      page.page,
      page.first_id,
      page.last_id,
      page.first_seq,
      page.last_seq,
      page.version,
      page.size,
    );
  }

  /** The oldest comment id in any page (null: no page yet). */
  oldestArchived(): string | null {
    return this.sql.exec<{ id: string | null }>("SELECT MIN(first_id) AS id FROM comment_archive_pages").one().id;
  }

  /**
   * Writes `rows` (id order, all older than anything the room holds, checked by the caller as
   * `isOlderThanHeld`) as a page below every other: page numbers count down from 0, so pages
   * stay in id order and reads walk into them like any page (the legacy D1 backfill). Answers
   * false, writing nothing into the room, when the room changed meanwhile so that `rows` are no
   * longer below what it holds (a concurrent backfill call recorded them first).
   */
  async prependPage(target: string, rows: readonly CommentRow[], isOlderThanHeld: (lastId: string) => boolean): Promise<boolean> {
    const page = pageOf(this.sql.exec<{ n: number }>("SELECT MIN(COALESCE(MIN(page), 1), 1) - 1 AS n FROM comment_archive_pages").one().n, rows);
    // Create-only like the room's own pages: a retried call finds its own page and accepts it.
    const { key, stored } = await this.writeFirstVersion(target, page, rows);
    const recorded = this.storage.transactionSync(() => {
      if (!isOlderThanHeld(page.last_id)) return false;
      this.recordPage(page);
      // An earlier attempt's object may predate a deletion or erasure given now: the overlay
      // hides the difference at once and the archive job folds it into the page's next version.
      const storedById = new Map(stored.map((row) => [row.id, row]));
      for (const row of rows) {
        const was = storedById.get(row.id);
        if (was !== undefined) this.recordDifference(page.page, was, row);
        if (row.author_id !== null && row.deleted_at === null) {
          this.sql.exec("INSERT OR IGNORE INTO comment_archive_authors (author_id, page) VALUES (?, ?)", row.author_id, page.page);
        }
      }
      return true;
    });
    if (recorded) this.remember(key, stored);
    return recorded;
  }

  /**
   * Folds the overlay of up to REWRITES_PER_RUN pages into their next version, then deletes
   * replaced versions. Answers whether more is left for another run.
   */
  async rewriteChanged(target: string): Promise<boolean> {
    const pages = this.sql
      .exec<PageRow>(
        "SELECT p.* FROM comment_archive_pages p WHERE p.page IN (SELECT DISTINCT page FROM comment_archive_overlay) ORDER BY p.page LIMIT ?",
        REWRITES_PER_RUN + 1,
      )
      .toArray();
    for (const page of pages.slice(0, REWRITES_PER_RUN)) {
      const oldKey = archivePageKey(target, page);
      const raw = await this.load(oldKey);
      const folded = this.overlayOf(page.page);
      const next = { ...page, version: page.version + 1 };
      const nextKey = archivePageKey(target, next);
      const comments = raw.map((row) => withOverlay(row, folded.get(row.id)));
      // A new key per version: a retry after a failed attempt may write this key again, but
      // nothing reads it before the transaction below records it.
      await this.bucket().put(nextKey, JSON.stringify({ format: 1, target, page: page.page, version: next.version, comments } satisfies ArchivePageBody), {
        httpMetadata: { contentType: "application/json" },
      });
      this.storage.transactionSync(() => {
        this.sql.exec("UPDATE comment_archive_pages SET version = ? WHERE page = ? AND version = ?", next.version, page.page, page.version);
        for (const row of folded.values()) {
          // A change that landed while R2 answered has a newer seq and stays, minus what was folded.
          this.sql.exec("UPDATE comment_archive_overlay SET replies_delta = replies_delta - ? WHERE id = ?", row.replies_delta, row.id);
          this.sql.exec("DELETE FROM comment_archive_overlay WHERE id = ? AND seq = ?", row.id, row.seq);
        }
        this.sql.exec("INSERT OR IGNORE INTO comment_archive_stale (key) VALUES (?)", oldKey);
      });
      this.cache.delete(oldKey);
      this.remember(nextKey, comments);
    }
    await this.deleteStale();
    return pages.length > REWRITES_PER_RUN || this.sql.exec("SELECT 1 FROM comment_archive_stale LIMIT 1").toArray().length > 0;
  }

  /** Archived comments, newest first, below `before`, top level or the replies of `replyTo`. */
  async page(target: string, options: { before: string | null; limit: number; replyTo: string | null }): Promise<CommentRow[]> {
    const through = this.archivedThrough();
    // Replies come after their root, so a root still in the window has no archived replies.
    if (through === null || (options.replyTo !== null && options.replyTo > through)) return [];
    const before = options.before ?? "~";
    const found: CommentRow[] = [];
    let below = Number.MAX_SAFE_INTEGER;
    while (found.length < options.limit) {
      const page = this.sql
        .exec<PageRow>("SELECT * FROM comment_archive_pages WHERE page < ? AND first_id < ? ORDER BY page DESC LIMIT 1", below, before)
        .toArray()[0];
      if (page === undefined || (options.replyTo !== null && page.last_id < options.replyTo)) break;
      below = page.page;
      const rows = (await this.rowsOf(target, page))
        .filter((row) => row.deleted_at === null && row.id < before && row.reply_to === options.replyTo)
        .sort((a, b) => (a.id < b.id ? 1 : -1));
      found.push(...rows.slice(0, options.limit - found.length));
    }
    return found;
  }

  /** One archived comment with its overlay, and its page; null if no page holds it. */
  async find(target: string, id: string): Promise<{ page: number; row: CommentRow } | null> {
    const page = this.pageHolding(id);
    if (page === null) return null;
    const row = (await this.rowsOf(target, page)).find((candidate) => candidate.id === id);
    return row === undefined ? null : { page: page.page, row };
  }

  /** The user's archived comments that are not yet tombstones, read through the author index. */
  async byAuthor(target: string, userId: string): Promise<{ page: number; row: CommentRow }[]> {
    const pages = this.sql
      .exec<PageRow>(
        "SELECT p.* FROM comment_archive_pages p JOIN comment_archive_authors a ON a.page = p.page WHERE a.author_id = ? ORDER BY p.page",
        userId,
      )
      .toArray();
    const found: { page: number; row: CommentRow }[] = [];
    for (const page of pages) {
      for (const row of await this.rowsOf(target, page)) if (row.author_id === userId) found.push({ page: page.page, row });
    }
    return found;
  }

  /** Applies the overlay as it is now to a row read before an await (inside a transaction). */
  current(page: number, row: CommentRow): CommentRow {
    const overlay = this.sql.exec<OverlayRow>("SELECT * FROM comment_archive_overlay WHERE id = ?", row.id).toArray()[0];
    return withOverlay(row, overlay?.page === page ? overlay : undefined);
  }

  markDeleted(page: number, id: string, at: number, seq: number): void {
    this.sql.exec(
      `INSERT INTO comment_archive_overlay (id, page, seq, deleted_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, deleted_at = COALESCE(deleted_at, excluded.deleted_at)`,
      id,
      page,
      seq,
      at,
    );
  }

  /** A reply to an archived root was deleted: its count drops (false if no page holds the root). */
  addReplies(rootId: string, delta: number, seq: number): boolean {
    const page = this.pageHolding(rootId);
    if (page === null) return false;
    this.sql.exec(
      `INSERT INTO comment_archive_overlay (id, page, seq, replies_delta) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, replies_delta = replies_delta + excluded.replies_delta`,
      rootId,
      page.page,
      seq,
      delta,
    );
    return true;
  }

  /** After an erasure: the author index no longer names the user. */
  forgetAuthor(userId: string): void {
    this.sql.exec("DELETE FROM comment_archive_authors WHERE author_id = ?", userId);
  }

  private pageHolding(id: string): PageRow | null {
    return (
      this.sql
        .exec<PageRow>("SELECT * FROM comment_archive_pages WHERE first_id <= ? AND last_id >= ? ORDER BY page DESC LIMIT 1", id, id)
        .toArray()[0] ?? null
    );
  }

  private async rowsOf(target: string, page: PageRow): Promise<CommentRow[]> {
    const raw = await this.load(archivePageKey(target, page));
    // Read after the await: the overlay may have changed while R2 answered.
    const overlay = this.overlayOf(page.page);
    return raw.map((row) => withOverlay(row, overlay.get(row.id)));
  }

  private overlayOf(page: number): Map<string, OverlayRow> {
    const rows = this.sql.exec<OverlayRow>("SELECT * FROM comment_archive_overlay WHERE page = ?", page).toArray();
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Create-only; if the key exists (an attempt whose success was never recorded), its content wins. */
  private async putOnce(key: string, body: ArchivePageBody): Promise<CommentRow[]> {
    const written = await this.bucket().put(key, JSON.stringify(body), {
      onlyIf: { etagDoesNotMatch: "*" },
      httpMetadata: { contentType: "application/json" },
    });
    if (written !== null) return body.comments;
    const existing = await this.read(key);
    const sameComments =
      existing.page === body.page &&
      existing.comments.length === body.comments.length &&
      existing.comments.every((row, i) => row.id === body.comments[i]!.id);
    if (!sameComments) throw new Error(`comment archive key ${key} holds another page; not overwriting it`);
    return existing.comments;
  }

  private async load(key: string): Promise<CommentRow[]> {
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.remember(key, cached);
      return cached;
    }
    const rows = (await this.read(key)).comments;
    this.remember(key, rows);
    return rows;
  }

  private async read(key: string): Promise<ArchivePageBody> {
    const object = await this.bucket().get(key);
    if (object === null) throw new Error(`comment archive page ${key} is missing`);
    return ArchivePageBody.parse(await object.json());
  }

  private remember(key: string, rows: CommentRow[]): void {
    this.cache.delete(key);
    this.cache.set(key, rows);
    while (this.cache.size > CACHED_PAGES) this.cache.delete(this.cache.keys().next().value!);
  }

  private recordDifference(page: number, stored: CommentRow, current: CommentRow): void {
    const deleted = stored.deleted_at === null && current.deleted_at !== null;
    const highlighted = stored.highlighted !== current.highlighted && current.deleted_at === null;
    const repliesDelta = current.replies - stored.replies;
    if (!deleted && !highlighted && repliesDelta === 0) return;
    this.sql.exec(
      "INSERT INTO comment_archive_overlay (id, page, seq, deleted_at, highlighted, replies_delta) VALUES (?, ?, ?, ?, ?, ?)",
      current.id,
      page,
      current.seq,
      deleted ? current.deleted_at : null,
      highlighted ? current.highlighted : null,
      repliesDelta,
    );
  }

  private async deleteStale(): Promise<void> {
    const keys = this.sql.exec<{ key: string }>("SELECT key FROM comment_archive_stale LIMIT ?", STALE_DELETES_PER_RUN).toArray().map((row) => row.key);
    if (keys.length === 0) return;
    await this.bucket().delete(keys);
    for (const key of keys) this.sql.exec("DELETE FROM comment_archive_stale WHERE key = ?", key);
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IDS_PER_QUERY) out.push(items.slice(i, i + IDS_PER_QUERY));
  return out;
}
