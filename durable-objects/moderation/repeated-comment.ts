/** Identical comments from one author this close together are spam, not conversation. */
export const REPEAT_WINDOW_MS = 30_000;

/**
 * True when `authorId` posted exactly `text` (as stored, so after trimming and masking) in
 * the last 30 s. Uses the (author_id, created_at) index; deleted comments count too, so
 * deleting and reposting does not get round it.
 */
export function isRepeatedComment(sql: SqlStorage, authorId: string, text: string, now: number): boolean {
  return (
    sql
      .exec("SELECT 1 FROM comments WHERE author_id = ? AND created_at > ? AND text = ? LIMIT 1", authorId, now - REPEAT_WINDOW_MS, text)
      .toArray().length > 0
  );
}
