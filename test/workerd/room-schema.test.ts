import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrateRoomSchema, ROOM_MIGRATIONS } from "../../durable-objects/room-migrations";
import { roomStub, uniqueTarget } from "./helpers";

interface SchemaObject {
  type: string;
  name: string;
  sql: string;
}

/** The room's own tables and indexes (not the runtime's `_cf_` ones), as SQLite stores them. */
function schemaOf(sql: SqlStorage): SchemaObject[] {
  return sql
    .exec<{ type: string; name: string; sql: string }>(
      "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'schema_version' ORDER BY type, name",
    )
    .toArray()
    .map(({ type, name, sql: text }) => ({ type, name, sql: text }));
}

/** Leaves the database as a room that never ran: no tables of ours, no schema version. */
function dropEverything(sql: SqlStorage): void {
  for (const { name } of sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .toArray()) {
    sql.exec(`DROP TABLE "${name}"`);
  }
}

describe("room schema baseline", () => {
  it("creates for a new room exactly the schema that replaying every migration step builds", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      const sql = state.storage.sql;
      dropEverything(sql);
      for (const step of ROOM_MIGRATIONS) sql.exec(step);
      const replayed = schemaOf(sql);

      dropEverything(sql);
      migrateRoomSchema(sql);
      const baseline = schemaOf(sql);

      if (JSON.stringify(baseline) !== JSON.stringify(replayed)) {
        // What to paste into ROOM_SCHEMA after adding a step.
        console.log(replayed.map((object) => `${object.sql};`).join("\n"));
      }
      expect(baseline).toEqual(replayed);
      expect(sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version).toBe(ROOM_MIGRATIONS.length);
    });
  });

  it("still runs only the missing steps for a room on an older version", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      const sql = state.storage.sql;
      // A room gets its schema with its first write; this one is given it here.
      migrateRoomSchema(sql);
      const before = schemaOf(sql);
      // One step back: the last step's tables as the step before left them.
      dropEverything(sql);
      for (const step of ROOM_MIGRATIONS.slice(0, -1)) sql.exec(step);
      sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      sql.exec("DELETE FROM schema_version");
      sql.exec("INSERT INTO schema_version (version) VALUES (?)", ROOM_MIGRATIONS.length - 1);
      migrateRoomSchema(sql);
      expect(schemaOf(sql)).toEqual(before);
    });
  });
});
