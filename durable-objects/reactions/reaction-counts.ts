/** The subject of reactions on the room's own target (others are comment ids). */
export const ROOM_SUBJECT = "";

/** Reaction counts of one subject by emoji, only counts above zero. */
export function reactionCounts(sql: SqlStorage, subject: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of sql.exec<{ emoji: string; n: number }>(
    "SELECT emoji, n FROM reaction_counts WHERE subject = ? AND n > 0 ORDER BY emoji",
    subject,
  )) {
    counts[row.emoji] = row.n;
  }
  return counts;
}
