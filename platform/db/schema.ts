import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * D1 keeps bounded, low-rate metadata only: deletion receipts and their targets, dead letters,
 * reconciliation runs. No like, comment or reaction writes to it (issue 17); the truth is in
 * the rooms, users' own objects index their likes and targets, events go to the R2 lake.
 * LEGACY tables below (marked) are no longer written: migrations are additive, so a deployment
 * keeps its old rows, which deletion still purges and reconciliation still repairs.
 */

/** LEGACY (not written since issue 17): a room's count as its checkpoint last copied it; `seq` ordered the copies. */
export const targetCounts = sqliteTable("target_counts", {
  target: text("target").primaryKey(),
  likes: integer("likes").notNull(),
  seq: integer("seq").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** LEGACY (not written since issue 17; users' own objects index their likes): a user's likes across targets. */
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

/**
 * LEGACY (not written since issue 17; events go to the R2 lake): engagement events, stored
 * once per event id by the queue consumer. `user_id` is NULL once
 * the user asked to be forgotten: the row stays (so a redelivered copy still finds its id and
 * is not counted twice) but no longer says who. `rolled_up` marks rows already added to
 * `event_rollups`; only rows inserted by this very batch are 0, which keeps rollups exact.
 * `detail` holds type-specific fields (an emoji, a comment id) as JSON, never personal data.
 */
export const events = sqliteTable(
  "events",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    target: text("target").notNull(),
    userId: text("user_id"),
    at: integer("at").notNull(),
    seq: integer("seq").notNull(),
    detail: text("detail"),
    rolledUp: integer("rolled_up").notNull().default(0),
  },
  (t) => [
    index("events_by_target_time").on(t.target, t.at),
    index("events_by_user").on(t.userId),
    index("events_pending_rollup").on(t.eventId).where(sql`rolled_up = 0`),
  ],
);

/** LEGACY (not written since issue 17; rooms keep their series): events per minute, target and event type. */
export const eventRollups = sqliteTable(
  "event_rollups",
  {
    target: text("target").notNull(),
    /** Start of the minute (ms epoch) the events happened in, by the DO's clock. */
    bucket: integer("bucket").notNull(),
    type: text("type").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.target, t.bucket, t.type] }), index("event_rollups_by_type_time").on(t.type, t.bucket, t.target)],
);

/** Messages the event queue gave up on after max_retries, kept for inspection and replay. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    messageId: text("message_id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    /** Copied out of the body when it names one, so a user's deletion can find the row. */
    userId: text("user_id"),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("dead_letters_by_user").on(t.userId)],
);

/**
 * The users whose events a dead-lettered batch carries (a batch holds many users' events, so
 * one `user_id` column cannot say). Written with the dead letter, one row per user and message:
 * a user's deletion finds the dead letters to rewrite without scanning `dead_letters`.
 * `subject_key` lets the dead letter's own transaction see a deletion that completed meanwhile.
 */
export const deadLetterUsers = sqliteTable(
  "dead_letter_users",
  {
    messageId: text("message_id").notNull(),
    userId: text("user_id").notNull(),
    subjectKey: text("subject_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId] }), index("dead_letter_users_by_user").on(t.userId)],
);

/** One row per reconciliation run; the latest is what `GET /v1/admin/reconcile/last` shows. */
export const reconcileRuns = sqliteTable("reconcile_runs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  trigger: text("trigger").notNull(),
  startedAt: integer("started_at").notNull(),
  finishedAt: integer("finished_at").notNull(),
  targetsChecked: integer("targets_checked").notNull(),
  driftsFound: integer("drifts_found").notNull(),
  repaired: integer("repaired").notNull(),
  failed: integer("failed").notNull(),
  /** Where the next run continues when this one stopped at its budget; NULL = from the start. */
  nextCursor: text("next_cursor"),
  /** JSON list of the drifts seen (bounded), for the admin report. */
  drifts: text("drifts").notNull(),
});

/**
 * A user's deletion request. `user_id` is kept only while the work runs and is cleared when it
 * completes; `subject_key` (HMAC of the user id) remains so the owner can still read the
 * receipt and late queue deliveries for that user are anonymised on arrival.
 */
export const deletionReceipts = sqliteTable(
  "deletion_receipts",
  {
    id: text("id").primaryKey(),
    subjectKey: text("subject_key").notNull(),
    userId: text("user_id"),
    status: text("status").notNull(),
    targetsTotal: integer("targets_total").notNull(),
    targetsDone: integer("targets_done").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [index("deletion_receipts_by_subject").on(t.subjectKey), index("deletion_receipts_by_status").on(t.status, t.updatedAt)],
);

/** The targets a deletion must visit; `done_at` is set once the target's room forgot the user. */
export const deletionTargets = sqliteTable(
  "deletion_targets",
  {
    receiptId: text("receipt_id").notNull(),
    target: text("target").notNull(),
    doneAt: integer("done_at"),
  },
  (t) => [primaryKey({ columns: [t.receiptId, t.target] })],
);

/**
 * LEGACY (not written since issue 17; history beyond a room's window is in R2 pages): every
 * comment a room held, copied by its checkpoint. The room keeps only a recent
 * window; older pages are read from here. A deleted comment keeps its row (so a late
 * checkpoint cannot bring it back) with the text emptied and `deleted_at` set.
 */
export const comments = sqliteTable(
  "comments",
  {
    id: text("id").primaryKey(),
    target: text("target").notNull(),
    seq: integer("seq").notNull(),
    authorId: text("author_id"),
    authorName: text("author_name").notNull(),
    text: text("text").notNull(),
    mentions: text("mentions").notNull(),
    replyTo: text("reply_to"),
    createdAt: integer("created_at").notNull(),
    deletedAt: integer("deleted_at"),
    highlighted: integer("highlighted").notNull().default(0),
    replies: integer("replies").notNull().default(0),
    /** JSON `{emoji: n}` as of the checkpoint. */
    reactions: text("reactions").notNull().default("{}"),
  },
  (t) => [
    index("comments_by_thread").on(t.target, t.replyTo, t.id),
    index("comments_by_author").on(t.authorId),
    // The backfill into R2 (workers/comment-archive-backfill.ts) reads a target's rows newest first.
    index("comments_by_target").on(t.target, t.id),
  ],
);

/**
 * LEGACY (not written; rooms report to their health board object): rooms whose outbox holds
 * events the queue has not accepted yet, as each room last reported
 * (see durable-objects/outbox-backlog.ts). A room removes its row once its outbox is empty,
 * so the table stays as small as the number of rooms in trouble. The Worker cannot list
 * Durable Objects, so this is how `GET /v1/admin/health` sees every room's backlog.
 */
export const roomOutboxBacklogs = sqliteTable(
  "room_outbox_backlogs",
  {
    target: text("target").primaryKey(),
    events: integer("events").notNull(),
    /** `at` of the oldest unsent event (ms epoch, the room's clock). */
    oldestAt: integer("oldest_at").notNull(),
    reportedAt: integer("reported_at").notNull(),
  },
  (t) => [index("room_outbox_backlogs_by_age").on(t.oldestAt)],
);

/** LEGACY (not written; the consumer reports to its health board object): the latest batch each queue consumer handled. */
export const queueConsumerStats = sqliteTable("queue_consumer_stats", {
  queue: text("queue").primaryKey(),
  lastBatchAt: integer("last_batch_at").notNull(),
  messages: integer("messages").notNull(),
  /** Consume time minus the `at` of the batch's oldest event: how far behind the consumer is. */
  lagMs: integer("lag_ms").notNull(),
  /** Highest delivery attempt in the batch; above 1 means redeliveries. */
  maxAttempts: integer("max_attempts").notNull(),
});

/**
 * LEGACY (not written since issue 17; rooms tell the user's own object): targets whose room
 * names a user outside likes, comments and events: owner, moderator,
 * member, banned user, reporter. Only a user's deletion reads it (to find those rooms, and
 * by `noted_at` the rooms that named the user again while the deletion ran).
 */
export const userRoomRefs = sqliteTable(
  "user_room_refs",
  {
    userId: text("user_id").notNull(),
    target: text("target").notNull(),
    /** When the room's checkpoint last copied a new reference (ms; 0 for rows older than the column). */
    notedAt: integer("noted_at").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.target] })],
);
