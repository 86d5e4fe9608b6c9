import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * D1 is the global index and archive. Every row here is a copy of something a
 * TargetRoom Durable Object owns; it may lag the DO by one checkpoint interval.
 */

/** Checkpointed exact count per target; `seq` guards against an older checkpoint overwriting a newer one. */
export const targetCounts = sqliteTable("target_counts", {
  target: text("target").primaryKey(),
  likes: integer("likes").notNull(),
  seq: integer("seq").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** A user's current likes across targets, for "my likes" and for finding a user's targets. */
export const userLikes = sqliteTable(
  "user_likes",
  {
    userId: text("user_id").notNull(),
    target: text("target").notNull(),
    likedAt: integer("liked_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.target] }),
    index("user_likes_by_time").on(t.userId, t.likedAt, t.target),
    index("user_likes_by_target").on(t.target),
  ],
);

/** Engagement events, stored once per event id by the queue consumer. */
export const events = sqliteTable(
  "events",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    target: text("target").notNull(),
    userId: text("user_id").notNull(),
    at: integer("at").notNull(),
    seq: integer("seq").notNull(),
  },
  (t) => [index("events_by_target_time").on(t.target, t.at), index("events_by_user").on(t.userId)],
);
