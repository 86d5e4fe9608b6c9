/**
 * The outbox and the replay ring keep one row per commit with its events as a JSON array in
 * `body` (outbox.ts, replay-ring.ts), yet an erasure must reach single events. This sets
 * fields of every event whose value at `where.path` equals `where.equals`, and leaves the
 * rest of each row as it was. `element` says where the event sits in an array element: ""
 * when the element is the event (outbox), "[2]" in the ring's `[seq, at, event]`. Paths are
 * `$.`-rooted inside the event, values JSON text. Returns how many events changed.
 */
export function setInEventArrays(
  sql: SqlStorage,
  rows: { table: "outbox" | "live_events"; element: "" | "[2]" },
  where: { path: string; equals: SqlStorageValue },
  set: readonly (readonly [path: string, json: string])[],
): number {
  const { table, element } = rows;
  const inEvent = (path: string, key: number) => `$[${key}]${element}${path.slice(1)}`;
  const matches = sql
    .exec<{ seq: number; key: number }>(
      `SELECT commits.seq AS seq, entry.key AS key FROM ${table} AS commits, json_each(commits.body) AS entry WHERE json_extract(entry.value, ?) = ?`,
      `$${element}${where.path.slice(1)}`,
      where.equals,
    )
    .toArray();
  const assignments = set.map(() => "?, json(?)").join(", ");
  for (const { seq, key } of matches) {
    sql.exec(
      `UPDATE ${table} SET body = json_set(body, ${assignments}) WHERE seq = ?`,
      ...set.flatMap(([path, json]) => [inEvent(path, key), json]),
      seq,
    );
  }
  return matches.length;
}
