import { D1_PENDING_MIGRATION, ROOM_MIGRATIONS } from "../room-migrations";
import { LIKE_MOVED_TABLE } from "./moved-users";
import { OUTBOX_ROWS_MIGRATION } from "../outbox";
import { SERIES_TABLE } from "../analytics/series";
import { RECENT_UNLIKES_TABLE } from "../recent-unlikes";

/**
 * Schema of one LikeShard's SQLite. The first room migration already holds what a shard needs
 * (likes, outbox, idempotency, alarm_jobs, room_meta, and d1_pending, unwritten since issue 17),
 * so it is reused as is; append only, as for rooms.
 */
const SHARD_MIGRATIONS: readonly string[] = [
  ROOM_MIGRATIONS[0]!,
  `${LIKE_MOVED_TABLE}
   -- Users this shard holds (liked or not): the shard asks an older holder only about others.
   CREATE TABLE like_held (user_id TEXT PRIMARY KEY) WITHOUT ROWID;`,
  // One outbox row per commit and d1_pending appended by seq, as in rooms.
  `${OUTBOX_ROWS_MIGRATION}
   ${D1_PENDING_MIGRATION}`,
  // Issue 17: the shard's own likes per minute and hour, reported to its room with its count.
  SERIES_TABLE,
  // Issue 17: no D1 checkpoint; the rows waiting for it are cleared, the table kept (see
  // ROOM_CLEAR_D1_QUEUES).
  "DELETE FROM d1_pending;",
  // Issue 17: who unliked here lately, for reconciling users' own indexes (recent-unlikes.ts).
  RECENT_UNLIKES_TABLE,
];

export function migrateShardSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const current = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
  for (let step = current; step < SHARD_MIGRATIONS.length; step++) sql.exec(SHARD_MIGRATIONS[step]!);
  if (current < SHARD_MIGRATIONS.length) {
    sql.exec("DELETE FROM schema_version");
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", SHARD_MIGRATIONS.length);
  }
}
