/** Small named values of one room (`room_meta`): counters, owner, settings, bindings. */
export class RoomMeta {
  constructor(private readonly sql: SqlStorage) {}

  get(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = ?", key).toArray()[0]?.value;
  }

  set(key: string, value: string): void {
    this.sql.exec(
      "INSERT INTO room_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  delete(key: string): void {
    this.sql.exec("DELETE FROM room_meta WHERE key = ?", key);
  }
}
