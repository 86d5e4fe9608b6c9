import { matchKey } from "../../protocol/text";

/** Identical comments from one author this close together are spam, not conversation. */
export const REPEAT_WINDOW_MS = 30_000;
/** The rate limit allows far fewer comments per author in 30 s; this only bounds the read. */
const MAX_RECENT_READ = 200;

/**
 * True when `authorId` posted the same `text` (as stored, so after normalising and masking)
 * in the last 30 s. "The same" compares matchKey (protocol/text.ts): case, accents, spacing,
 * joiners and full-width letters do not make a repeat new. Uses the (author_id, created_at)
 * index. A deleted comment keeps no text (comment-store.ts), so it no longer counts.
 */
export function isRepeatedComment(sql: SqlStorage, authorId: string, text: string, now: number): boolean {
  const key = matchKey(text).key;
  const recent = sql.exec<{ text: string }>(
    "SELECT text FROM comments WHERE author_id = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?",
    authorId,
    now - REPEAT_WINDOW_MS,
    MAX_RECENT_READ,
  );
  for (const row of recent) if (matchKey(row.text).key === key) return true;
  return false;
}
