/**
 * The user's own index (docs/user-index.md), in the user's object next to `user_targets`.
 * Every table holds at most one row per target the user touched (per kind of touch), so the
 * object grows with the user's activity, never per write. "Written since" (deletion only, rare)
 * scans the user's rows rather than keep two more indexes current on every event.
 */
export const USER_INDEX_SCHEMA = `
  -- One row per target the user ever liked. liked = 0 is a tombstone: it keeps the version
  -- of the unlike, so a like that arrives later but is older cannot bring the entry back.
  CREATE TABLE IF NOT EXISTS liked_targets (
    target TEXT PRIMARY KEY,
    liked INTEGER NOT NULL,
    liked_at INTEGER,
    epoch INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    -- When this object stored the entry (its clock, not the room's): convergence is measured
    -- as applied_at - liked_at (npm run bench). NULL on entries stored before the column.
    applied_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS liked_targets_by_time ON liked_targets (liked_at, target) WHERE liked = 1;
  -- Targets where the user commented, reacted, moderated, or which name them in moderation
  -- (role, ban, report: noted by the room), with the last time; deletion visits them all.
  CREATE TABLE IF NOT EXISTS touched_targets (
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (target, kind)
  ) WITHOUT ROWID;
  -- Moves with every change stored, so a deletion can tell that nothing arrived after its look.
  CREATE TABLE IF NOT EXISTS index_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);`;


/**
 * Objects made before `liked_targets.applied_at` existed get the column once; SQLite adds a
 * nullable column without rewriting rows, so old entries simply read NULL.
 */
export function migrateUserIndex(sql: SqlStorage): void {
  const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('liked_targets')").toArray();
  if (!columns.some((column) => column.name === "applied_at")) sql.exec("ALTER TABLE liked_targets ADD COLUMN applied_at INTEGER");
}
