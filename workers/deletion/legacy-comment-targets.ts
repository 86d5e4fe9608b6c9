import { z } from "zod";

const TargetRow = z.object({ target: z.string() });

/**
 * Targets where the legacy D1 `comments` archive (written before issue 17) names the user as an
 * author. Users' own objects never heard of those comments, and the backfill moves them into the
 * rooms' R2 archives (workers/comment-archive-backfill.ts), where only a visit of the room erases
 * them; the D1 rows stay (migrations are additive), so they keep saying which rooms to visit.
 * One indexed read (`comments_by_author`) per look of a deletion, never per write.
 */
export async function legacyCommentTargets(d1: D1Database, userId: string): Promise<string[]> {
  const { results } = await d1.prepare("SELECT DISTINCT target FROM comments WHERE author_id = ?").bind(userId).all();
  return z.array(TargetRow).parse(results).map((row) => row.target);
}
