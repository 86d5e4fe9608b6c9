import { drizzle } from "drizzle-orm/d1";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Comment } from "../protocol/comments";
import { comments } from "./db/schema";
import { z } from "zod";

const ReactionCounts = z.record(z.string(), z.number().int().nonnegative());
const Mentions = z.array(z.string());

/**
 * Older comments that their room no longer keeps, newest first, from D1. A room only moves
 * comments out after its checkpoint copied them, so D1 holds every id below the room's
 * `archiveBefore`.
 */
export async function readArchivedPage(
  d1: D1Database,
  target: string,
  options: { before: string; limit: number; replyTo: string | null },
): Promise<Comment[]> {
  const rows = await drizzle(d1)
    .select()
    .from(comments)
    .where(
      and(
        eq(comments.target, target),
        options.replyTo === null ? isNull(comments.replyTo) : eq(comments.replyTo, options.replyTo),
        isNull(comments.deletedAt),
        lt(comments.id, options.before),
      ),
    )
    .orderBy(desc(comments.id))
    .limit(options.limit);
  return rows.map((row) => ({
    id: row.id,
    target,
    author: { id: row.authorId, name: row.authorName },
    text: row.text,
    mentions: parseOr(Mentions, row.mentions, []),
    replyTo: row.replyTo,
    createdAt: new Date(row.createdAt).toISOString(),
    seq: row.seq,
    reactions: parseOr(ReactionCounts, row.reactions, {}),
    replies: row.replies,
    highlighted: row.highlighted === 1,
    deleted: false,
  }));
}

function parseOr<T>(schema: z.ZodType<T>, json: string, fallback: T): T {
  try {
    const parsed = schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}
