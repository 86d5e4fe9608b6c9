import { drizzle } from "drizzle-orm/d1";
import { and, eq, gte, max } from "drizzle-orm";
import { comments, events, userLikes, userRoomRefs } from "../db/schema";

/** A room the user wrote to, and when they last did (the room's clock, ms). */
export interface RoomWrite {
  target: string;
  lastAt: number;
}

/**
 * Which rooms did this user write to at or after `since`, and when last? Asked by a running
 * deletion (steps.ts) to find rooms the user wrote to after their first visit. Answered from
 * D1 today (events, like rows, comments, and the rooms' moderation references to the user:
 * reports, bans, roles), so it lags the rooms by a checkpoint and an outbox
 * interval; this is the one place to point elsewhere (a per-user index) later.
 */
export async function roomsWrittenSince(d1: D1Database, userId: string, since: number): Promise<RoomWrite[]> {
  const db = drizzle(d1);
  const [byEvents, byLikes, byComments, byRefs] = await db.batch([
    db
      .select({ target: events.target, lastAt: max(events.at) })
      .from(events)
      .where(and(eq(events.userId, userId), gte(events.at, since)))
      .groupBy(events.target),
    db
      .select({ target: userLikes.target, lastAt: userLikes.likedAt })
      .from(userLikes)
      .where(and(eq(userLikes.userId, userId), gte(userLikes.likedAt, since))),
    db
      .select({ target: comments.target, lastAt: max(comments.createdAt) })
      .from(comments)
      .where(and(eq(comments.authorId, userId), gte(comments.createdAt, since)))
      .groupBy(comments.target),
    db
      .select({ target: userRoomRefs.target, lastAt: userRoomRefs.notedAt })
      .from(userRoomRefs)
      .where(and(eq(userRoomRefs.userId, userId), gte(userRoomRefs.notedAt, since))),
  ]);
  const latest = new Map<string, number>();
  for (const { target, lastAt } of [...byEvents, ...byLikes, ...byComments, ...byRefs]) {
    if (lastAt === null) continue;
    latest.set(target, Math.max(latest.get(target) ?? lastAt, lastAt));
  }
  return [...latest].map(([target, lastAt]) => ({ target, lastAt }));
}
