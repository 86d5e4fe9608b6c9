/**
 * Counts the rows a room writes to its SQLite as the runtime reports (and bills) them: each
 * cursor's `rowsWritten`, index entries included, read as soon as `exec` returns. A statement
 * whose result is read later (`... RETURNING`) is counted as far as it ran by then. Memory
 * only, like the room's other counters (room-metrics.ts); `npm run bench` reads it per like.
 */
export class RowMeter {
  written = 0;

  /** `sql` with every `exec` counted; everything else is the runtime's own. */
  wrap(sql: SqlStorage): SqlStorage {
    const exec = <T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> => {
      const cursor = sql.exec<T>(query, ...bindings);
      this.written += cursor.rowsWritten;
      return cursor;
    };
    return new Proxy(sql, {
      get(target, prop) {
        if (prop === "exec") return exec;
        // Native members read their private state through `this`: call them on the real object.
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
}
