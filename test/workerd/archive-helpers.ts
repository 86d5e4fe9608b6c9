import { env, runInDurableObject } from "cloudflare:test";
import type { Comment } from "../../protocol/comments";
import { ArchivePageBody, archivePageKey, archivePrefix } from "../../durable-objects/comments/comment-archive";
import { roomStub, runRoomAlarm } from "./helpers";
import { comment, listComments } from "./comment-helpers";

/** Posts `n` comments, ten at a time, each by its own author (no slow mode, no user limit). */
export async function postMany(target: string, n: number, prefix = "filler"): Promise<Comment[]> {
  const posted: Comment[] = [];
  for (let start = 0; start < n; start += 10) {
    const batch = Array.from({ length: Math.min(10, n - start) }, (_, i) => start + i);
    posted.push(...(await Promise.all(batch.map((i) => comment(target, `${prefix}-${crypto.randomUUID()}`, `${prefix} ${i}`)))));
  }
  return posted;
}

/** Rows of the room's own comment tables: its window, its archive index and its overlay. */
export async function roomArchiveState(
  target: string,
): Promise<{ window: number; pages: number; overlay: number; stale: number; jobDue: boolean; jobDueAt: number | null }> {
  return runInDurableObject(roomStub(target), (_room, state) => {
    const sql = state.storage.sql;
    const count = (query: string) => sql.exec<{ n: number }>(query).one().n;
    return {
      window: count("SELECT COUNT(*) AS n FROM comments"),
      pages: count("SELECT COUNT(*) AS n FROM comment_archive_pages"),
      overlay: count("SELECT COUNT(*) AS n FROM comment_archive_overlay"),
      stale: count("SELECT COUNT(*) AS n FROM comment_archive_stale"),
      jobDue: count("SELECT COUNT(*) AS n FROM alarm_jobs WHERE name = 'comment-archive'") > 0,
      jobDueAt: sql.exec<{ due_at: number }>("SELECT due_at FROM alarm_jobs WHERE name = 'comment-archive'").toArray()[0]?.due_at ?? null,
    };
  });
}

/** Runs the room's alarm until the archive job has nothing left (pages written, overlay folded). */
export async function settleArchive(target: string): Promise<void> {
  // Long enough for a job that failed a few times to reach its backoff's next try.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await runRoomAlarm(target);
    const state = await roomArchiveState(target);
    if (!state.jobDue && state.overlay === 0 && state.stale === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the comment archive of ${target} never settled`);
}

/** Every page object R2 holds for the target, parsed, by key. */
export async function archiveObjects(target: string): Promise<Map<string, ArchivePageBody>> {
  const listed = await env.COMMENT_ARCHIVE.list({ prefix: archivePrefix(target) });
  const pages = new Map<string, ArchivePageBody>();
  for (const object of listed.objects) {
    const body = await env.COMMENT_ARCHIVE.get(object.key);
    if (body !== null) pages.set(object.key, ArchivePageBody.parse(await body.json()));
  }
  return pages;
}

/** Proves a read does not come from D1: the legacy checkpoint's copies are gone. */
export async function emptyD1Comments(): Promise<void> {
  await env.DB.exec("DELETE FROM comments");
}

/**
 * Visible comments of the target's archive, as a reader sees them: the current version of
 * every page the room records, minus what its overlay deleted.
 */
export async function archivedVisible(target: string): Promise<number> {
  const { pages, deleted } = await runInDurableObject(roomStub(target), (_room, state) => {
    const sql = state.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'comment_archive_pages'").toArray().length === 0) return { pages: [], deleted: [] };
    return {
      pages: sql.exec<{ first_seq: number; last_seq: number; version: number }>("SELECT first_seq, last_seq, version FROM comment_archive_pages").toArray(),
      deleted: sql.exec<{ id: string }>("SELECT id FROM comment_archive_overlay WHERE deleted_at IS NOT NULL").toArray().map((row) => row.id),
    };
  });
  const gone = new Set(deleted);
  let visible = 0;
  for (const page of pages) {
    const object = await env.COMMENT_ARCHIVE.get(archivePageKey(target, page));
    if (object === null) throw new Error(`page ${archivePageKey(target, page)} is missing`);
    const body = ArchivePageBody.parse(await object.json());
    visible += body.comments.filter((row) => row.deleted_at === null && !gone.has(row.id)).length;
  }
  return visible;
}

/** Every comment id a client sees, top level, paging with `limit` from the newest. */
export async function allTopLevel(target: string, limit = 37): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await listComments(target, cursor === null ? { limit } : { limit, before: cursor });
    seen.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return seen;
}
