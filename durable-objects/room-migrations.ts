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
];

export function migrateRoomSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  const current = row?.version ?? 0;
  for (let step = current; step < ROOM_MIGRATIONS.length; step++) {
    sql.exec(ROOM_MIGRATIONS[step]!);
  }
  if (current < ROOM_MIGRATIONS.length) {
    sql.exec("DELETE FROM schema_version");
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", ROOM_MIGRATIONS.length);
  }
}
