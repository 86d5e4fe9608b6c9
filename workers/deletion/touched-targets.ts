import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { union } from "drizzle-orm/sqlite-core";
import { comments, events, userLikes, userRoomRefs } from "../db/schema";

/**
 * Every target a user left data on, according to D1: their current likes, their archived
 * comments, every event that names them (likes taken back, reactions, comments), and the
 * rooms that name them in moderation (owner, moderator, member, ban, report).
 * D1 lags the rooms by a checkpoint/outbox interval, which is why a deletion looks again
 * after a settle delay before it finishes (see steps.ts).
 */
export async function touchedTargets(d1: D1Database, userId: string): Promise<string[]> {
  const db = drizzle(d1);
  const rows = await union(
    db.select({ target: userLikes.target }).from(userLikes).where(eq(userLikes.userId, userId)),
    db.select({ target: events.target }).from(events).where(eq(events.userId, userId)),
    db.select({ target: comments.target }).from(comments).where(eq(comments.authorId, userId)),
    db.select({ target: userRoomRefs.target }).from(userRoomRefs).where(eq(userRoomRefs.userId, userId)),
  );
  return rows.map((row) => row.target);
}
