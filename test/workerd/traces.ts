import { env, runInDurableObject } from "cloudflare:test";
import { roomFor } from "../../platform/rooms";

const SKIPPED_TABLES = "name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'";

/** Names of D1 tables with any cell mentioning `needle`, found by reading every row. */
export async function d1TablesMentioning(needle: string): Promise<string[]> {
  const { results: tables } = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND ${SKIPPED_TABLES}`).all<{
    name: string;
  }>();
  const hits: string[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    if (JSON.stringify(results).includes(needle)) hits.push(name);
  }
  return hits;
}

/** Names of a room's own SQLite tables with any cell mentioning `needle`. */
export function roomTablesMentioning(target: string, needle: string): Promise<string[]> {
  return runInDurableObject(roomFor(env, target), (_room, state) => {
    const tables = state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND ${SKIPPED_TABLES}`).toArray();
    return tables
      .filter(({ name }) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()).includes(needle))
      .map(({ name }) => name);
  });
}
