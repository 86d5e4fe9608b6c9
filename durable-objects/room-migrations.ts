import { ROOM_SHARDS_MIGRATION } from "./shards/room-shards";
import { LIKE_MOVED_TABLE } from "./shards/moved-users";
import { LIVE_RELAYS_TABLE } from "./relays/relay-registry";
import { OUTBOX_ROWS_MIGRATION } from "./outbox";
import { RING_ROWS_MIGRATION } from "./replay-ring";
import { LIVE_TICKETS_USED_TABLE } from "./used-tickets";
import { SERIES_TABLE, SHARD_SERIES_TABLE } from "./analytics/series";
import { ARCHIVE_TABLES_MIGRATION } from "./comments/comment-archive";
import { USER_REFS_OUTGOING_TABLE } from "./moderation/user-ref-sender";
import { RECENT_UNLIKES_TABLE } from "./recent-unlikes";
import { ERASED_BANS_TABLE } from "./moderation/erased-bans";
import { COMMENT_EDITS_MIGRATION } from "./comments/comment-edits";
import { ROOM_TERMS_TABLE } from "./moderation/terms-store";
import { MOD_LOG_TABLE } from "./moderation/mod-log";
import { DELAYED_COMMENTS_TABLE, HELD_COMMENTS_TABLE } from "./comments/held-store";
import { RESTRICTIONS_TABLE } from "./moderation/restrictions";

/**
 * Part of the one-row-per-commit step (issue 7): like changes for the D1 checkpoint appended
 * by seq, no longer kept per user, existing rows converted. The checkpoint went in issue 17
 * (ROOM_CLEAR_D1_QUEUES); the step stays so that old rooms replay in order.
 */
export const D1_PENDING_MIGRATION = `
  ALTER TABLE d1_pending RENAME TO d1_pending_by_user;
  DROP INDEX d1_pending_by_seq;
  CREATE TABLE d1_pending (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, liked_at INTEGER);
  INSERT INTO d1_pending (seq, user_id, liked_at) SELECT seq, user_id, liked_at FROM d1_pending_by_user;
  DROP TABLE d1_pending_by_user;`;

/**
 * Issue 17: nothing is copied to D1 any more (no checkpoint), so the rows waiting for it are
 * cleared: they only named what the room's own tables (likes, comments, user_refs_outgoing)
 * keep, and nothing reads them. The tables stay, empty and unwritten, so that code rolled back
 * to before issue 17 still finds the tables its writes expect (room schemas only grow).
 */
export const ROOM_CLEAR_D1_QUEUES = `
  DELETE FROM d1_pending;
  DELETE FROM comment_d1_pending;
  DELETE FROM user_refs_pending;`;

/**
 * Schema of one TargetRoom's own SQLite database. Append only: a room that woke up on an
 * older version runs the missing steps in order inside blockConcurrencyWhile.
 */
export const ROOM_MIGRATIONS: readonly string[] = [
  `CREATE TABLE room_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
   CREATE TABLE likes (user_id TEXT PRIMARY KEY, liked_at INTEGER NOT NULL) WITHOUT ROWID;
   -- Users whose like state changed since the last D1 checkpoint; liked_at NULL means "removed".
   CREATE TABLE d1_pending (user_id TEXT PRIMARY KEY, liked_at INTEGER, seq INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX d1_pending_by_seq ON d1_pending (seq);
   -- Events waiting for the queue; a row leaves only after sendBatch succeeded.
   CREATE TABLE outbox (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, body TEXT NOT NULL);
   CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX idempotency_by_age ON idempotency (created_at);
   CREATE TABLE alarm_jobs (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;`,
  // Issue 3: the replay ring for live sockets reconnecting with ?since=<seq>.
  `CREATE TABLE live_events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL);`,
  // Issue 4: comments, reactions and moderation. Owner, title, settings, pinned comment and a
  // comment room's parent target live in room_meta.
  `CREATE TABLE comments (
     id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL,
     author_id TEXT,
     author_name TEXT NOT NULL,
     text TEXT NOT NULL,
     mentions TEXT NOT NULL,
     reply_to TEXT,
     created_at INTEGER NOT NULL,
     deleted_at INTEGER,
     highlighted INTEGER NOT NULL DEFAULT 0,
     replies INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;
   CREATE INDEX comments_by_thread ON comments (reply_to, id);
   CREATE INDEX comments_by_author ON comments (author_id, created_at);
   -- Comments created or changed since the last D1 checkpoint.
   CREATE TABLE comment_d1_pending (id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
   -- Comments whose own room (comment:<id>) has not yet been told which target it belongs to.
   CREATE TABLE comment_bindings_pending (id TEXT PRIMARY KEY) WITHOUT ROWID;
   -- subject '' is the room's own target; otherwise the id of one of its comments.
   CREATE TABLE reactions (subject TEXT NOT NULL, emoji TEXT NOT NULL, user_id TEXT NOT NULL, reacted_at INTEGER NOT NULL, PRIMARY KEY (subject, emoji, user_id)) WITHOUT ROWID;
   CREATE INDEX reactions_by_user ON reactions (user_id);
   CREATE INDEX reactions_by_time ON reactions (subject, emoji, reacted_at, user_id);
   CREATE TABLE reaction_counts (subject TEXT NOT NULL, emoji TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (subject, emoji)) WITHOUT ROWID;
   CREATE TABLE moderators (user_id TEXT PRIMARY KEY, added_by TEXT NOT NULL, added_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE members (user_id TEXT PRIMARY KEY, added_at INTEGER NOT NULL) WITHOUT ROWID;
   -- until NULL: banned until lifted; otherwise a timeout ending at that time.
   CREATE TABLE bans (user_id TEXT PRIMARY KEY, until INTEGER, reason TEXT, by TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE reports (id TEXT PRIMARY KEY, comment_id TEXT NOT NULL, reporter_id TEXT NOT NULL, reason TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (comment_id, reporter_id));
   CREATE INDEX reports_by_time ON reports (created_at);`,
  // Users this room names outside likes, comments and events, not yet copied to D1 user_room_refs.
  `CREATE TABLE user_refs_pending (user_id TEXT PRIMARY KEY) WITHOUT ROWID;`,
  // Issue 7: sharded hot targets (durable-objects/shards/): shard count reports, handoff markers.
  `${ROOM_SHARDS_MIGRATION}
   ${LIKE_MOVED_TABLE}`,
  // Issue 7: relay fan-out (durable-objects/relays/): each relay's reported open sockets.
  LIVE_RELAYS_TABLE,
  // Issue 7: one outbox row and one replay-ring row per commit instead of one per event
  // (durable-objects/outbox.ts, replay-ring.ts), and d1_pending appended by seq instead of
  // kept per user (D1_PENDING_MIGRATION above); existing rows are converted, not dropped.
  `${OUTBOX_ROWS_MIGRATION}
   ${RING_ROWS_MIGRATION}
   ${D1_PENDING_MIGRATION}`,
  // Issue 16: live tickets spent here, so each opens one socket (durable-objects/used-tickets.ts).
  LIVE_TICKETS_USED_TABLE,
  // Issue 17: the target's own analytics series, and what its like shards last reported of
  // theirs (durable-objects/analytics/, docs/analytics.md).
  `${SERIES_TABLE}
   ${SHARD_SERIES_TABLE}`,
  // Issue 17: comment history beyond the window in R2 pages; the room keeps their index, its
  // overlay of later changes and an author index for erasure (comments/comment-archive.ts).
  ARCHIVE_TABLES_MIGRATION,
  // Issue 17: moderation refs on their way to the named users' own objects (moderation/user-ref-sender.ts).
  USER_REFS_OUTGOING_TABLE,
  // Issue 17: no D1 checkpoint; its pending rows are cleared (likes, comments, moderation refs).
  ROOM_CLEAR_D1_QUEUES,
  // Issue 17: who unliked here lately, for reconciling users' own indexes (recent-unlikes.ts).
  RECENT_UNLIKES_TABLE,
  // Issue 21: bans of erased users, kept under a keyed hash (moderation/erased-bans.ts).
  ERASED_BANS_TABLE,
  // Issue 21: comment edits (comments/comment-edits.ts): the last edit's time, superseded versions.
  COMMENT_EDITS_MIGRATION,
  // Issue 21: a room's blocked and suspect terms (moderation/terms-store.ts).
  ROOM_TERMS_TABLE,
  // Issue 21: the room's mod log, its newest 1,000 entries (moderation/mod-log.ts).
  MOD_LOG_TABLE,
  // Issue 21: the review queue, comments held apart from `comments` (comments/held-store.ts).
  HELD_COMMENTS_TABLE,
  DELAYED_COMMENTS_TABLE,
  RESTRICTIONS_TABLE,
];

/**
 * What every step of ROOM_MIGRATIONS adds up to, for a room that has no tables yet: one script
 * instead of the whole history (creating tables only to rename, copy and drop them). Replaying
 * the steps was a third of the CPU of likes spread over 1,000 new targets. This text is the
 * steps' result as SQLite stores it; test/workerd/room-schema.test.ts fails when a new step is
 * not reflected here. When adding a step, paste the new `sqlite_master` lines this test prints.
 */
export const ROOM_SCHEMA = `
CREATE TABLE room_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE likes (user_id TEXT PRIMARY KEY, liked_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency (created_at);
CREATE TABLE alarm_jobs (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE comments (
     id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL,
     author_id TEXT,
     author_name TEXT NOT NULL,
     text TEXT NOT NULL,
     mentions TEXT NOT NULL,
     reply_to TEXT,
     created_at INTEGER NOT NULL,
     deleted_at INTEGER,
     highlighted INTEGER NOT NULL DEFAULT 0,
     replies INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;
CREATE INDEX comments_by_thread ON comments (reply_to, id);
CREATE INDEX comments_by_author ON comments (author_id, created_at);
CREATE TABLE comment_d1_pending (id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE comment_bindings_pending (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE reactions (subject TEXT NOT NULL, emoji TEXT NOT NULL, user_id TEXT NOT NULL, reacted_at INTEGER NOT NULL, PRIMARY KEY (subject, emoji, user_id)) WITHOUT ROWID;
CREATE INDEX reactions_by_user ON reactions (user_id);
CREATE INDEX reactions_by_time ON reactions (subject, emoji, reacted_at, user_id);
CREATE TABLE reaction_counts (subject TEXT NOT NULL, emoji TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (subject, emoji)) WITHOUT ROWID;
CREATE TABLE moderators (user_id TEXT PRIMARY KEY, added_by TEXT NOT NULL, added_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE members (user_id TEXT PRIMARY KEY, added_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE bans (user_id TEXT PRIMARY KEY, until INTEGER, reason TEXT, by TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE reports (id TEXT PRIMARY KEY, comment_id TEXT NOT NULL, reporter_id TEXT NOT NULL, reason TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (comment_id, reporter_id));
CREATE INDEX reports_by_time ON reports (created_at);
CREATE TABLE user_refs_pending (user_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE shard_counts (epoch INTEGER NOT NULL, k INTEGER NOT NULL, count INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (epoch, k)) WITHOUT ROWID;
CREATE TABLE like_moved (user_id TEXT PRIMARY KEY, liked INTEGER NOT NULL, liked_at INTEGER) WITHOUT ROWID;
CREATE TABLE live_relays (k INTEGER PRIMARY KEY, sockets INTEGER NOT NULL, version INTEGER NOT NULL);
CREATE TABLE outbox (seq INTEGER PRIMARY KEY, events INTEGER NOT NULL, oldest_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE live_events (seq INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE d1_pending (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, liked_at INTEGER);
CREATE TABLE live_tickets_used (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX live_tickets_used_by_expiry ON live_tickets_used (expires_at);
${SERIES_TABLE}
${SHARD_SERIES_TABLE}
CREATE TABLE comment_archive_pages (page INTEGER PRIMARY KEY, first_id TEXT NOT NULL, last_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, version INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE TABLE comment_archive_overlay (id TEXT PRIMARY KEY, page INTEGER NOT NULL, seq INTEGER NOT NULL, deleted_at INTEGER, highlighted INTEGER, replies_delta INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE INDEX comment_archive_overlay_by_page ON comment_archive_overlay (page);
CREATE TABLE comment_archive_authors (author_id TEXT NOT NULL, page INTEGER NOT NULL, PRIMARY KEY (author_id, page)) WITHOUT ROWID;
CREATE TABLE comment_archive_stale (key TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE user_refs_outgoing (user_id TEXT PRIMARY KEY, noted_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE recent_unlikes (user_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX recent_unlikes_by_seq ON recent_unlikes (seq);
${ERASED_BANS_TABLE}
${COMMENT_EDITS_MIGRATION}
${ROOM_TERMS_TABLE}
${MOD_LOG_TABLE}
${HELD_COMMENTS_TABLE}
${DELAYED_COMMENTS_TABLE}
${RESTRICTIONS_TABLE}`;

export function migrateRoomSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  const current = row?.version ?? 0;
  // A version row is written with the last step, in the same implicit transaction, so a room
  // without one has no tables; the check on room_meta only guards against a half-made one.
  const empty = row === undefined && sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'room_meta'").toArray().length === 0;
  if (empty) sql.exec(ROOM_SCHEMA);
  else for (let step = current; step < ROOM_MIGRATIONS.length; step++) sql.exec(ROOM_MIGRATIONS[step]!);
  if (current < ROOM_MIGRATIONS.length) {
    sql.exec("DELETE FROM schema_version");
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", ROOM_MIGRATIONS.length);
  }
}
