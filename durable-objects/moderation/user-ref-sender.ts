import type { AppEnv } from "../../platform/env";

/**
 * Refs (user-refs.ts) waiting to reach the named user's own object, which is where a deletion
 * of that user looks (docs/user-index.md). Rows leave only after the object answered, so a
 * failed call is retried by the alarm job with its backoff and no ref is lost.
 */
export const USER_REFS_OUTGOING_TABLE = `CREATE TABLE user_refs_outgoing (user_id TEXT PRIMARY KEY, noted_at INTEGER NOT NULL) WITHOUT ROWID;`;

/** Alarm job (durable-objects/alarm-jobs.ts) that tells users' objects the rooms naming them. */
export const USER_REFS_JOB = "user-refs";

/** Users told per run, in parallel; moderation is low rate, so one run rarely sees more. */
const REFS_PER_RUN = 50;

export function noteOutgoingUserRef(sql: SqlStorage, userId: string, at: number): void {
  sql.exec(
    "INSERT INTO user_refs_outgoing (user_id, noted_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET noted_at = excluded.noted_at",
    userId,
    at,
  );
}

export function hasOutgoingUserRefs(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM user_refs_outgoing LIMIT 1").toArray().length > 0;
}

export interface UserRefsSent {
  /** More rows wait than one run takes. */
  more: boolean;
  /** Users whose deletion completed after the room noted them: the room must forget them. */
  forgotten: string[];
}

/**
 * Tells each waiting user's object that `target` names them. Rows that were answered go; if
 * any call failed, the rest stay and this throws, so the job backs off and tries again.
 */
export async function sendUserRefs(env: AppEnv, sql: SqlStorage, target: string): Promise<UserRefsSent> {
  const rows = sql
    .exec<{ user_id: string; noted_at: number }>("SELECT user_id, noted_at FROM user_refs_outgoing LIMIT ?", REFS_PER_RUN + 1)
    .toArray();
  const batch = rows.slice(0, REFS_PER_RUN);
  const results = await Promise.allSettled(
    batch.map((row) =>
      env.USER_STATE.get(env.USER_STATE.idFromName(row.user_id)).noteRoomRef({ userId: row.user_id, target, at: row.noted_at }),
    ),
  );
  const forgotten: string[] = [];
  const failures: unknown[] = [];
  results.forEach((result, i) => {
    const row = batch[i]!;
    if (result.status === "rejected") {
      failures.push(result.reason);
      return;
    }
    // Noted again during the call: that newer time is still to be told.
    sql.exec("DELETE FROM user_refs_outgoing WHERE user_id = ? AND noted_at = ?", row.user_id, row.noted_at);
    if (result.value.forgotten) forgotten.push(row.user_id);
  });
  if (failures.length > 0) throw new Error(`${failures.length} user objects did not answer: ${String(failures[0])}`);
  return { more: rows.length > REFS_PER_RUN, forgotten };
}
