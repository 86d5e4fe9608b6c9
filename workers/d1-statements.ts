import { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";

const dialect = new SQLiteAsyncDialect();

/**
 * Turns a drizzle query or `sql` fragment into a D1 statement for `D1Database.batch`.
 * drizzle 0.45's own batch cannot run a parameterised `db.run(sql...)` (it reads a
 * prepared statement the raw query never has), and the upserts that keep rollups and
 * repairs exact need such statements in the same transaction as the builder queries.
 */
export function d1Statement(d1: D1Database, query: SQL | { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const { sql, params } = query instanceof SQL ? dialect.sqlToQuery(query) : query.toSQL();
  return d1.prepare(sql).bind(...params);
}
