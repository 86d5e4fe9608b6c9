import { drizzle } from "drizzle-orm/d1";
import { sql } from "drizzle-orm";
import { userRoomRefs } from "../../workers/db/schema";
import { noteOutgoingUserRef } from "./user-ref-sender";

/** D1 binds at most 100 parameters per statement; a ref row has three. */
const REFS_PER_INSERT = 33;

/**
 * A room names this user outside likes, comments and events (as owner, moderator, member,
 * banned user or reporter). Noted inside the write transaction and sent to the user's own
 * object by an alarm job (user-ref-sender.ts), so a deletion of the user finds this room too.
 * The legacy copy to D1 `user_room_refs` by the checkpoint stays until nothing reads it.
 */
export function noteUserRef(sql: SqlStorage, userId: string): void {
  sql.exec("INSERT INTO user_refs_pending (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING", userId);
  noteOutgoingUserRef(sql, userId, Date.now());
}

/**
 * Copies pending refs to D1, stamping each with the copy time: a running deletion of the user
 * reads the stamp to find rooms that named them again after its visit (workers/deletion/).
 */
export async function checkpointUserRefs(d1: D1Database, roomSql: SqlStorage, target: string): Promise<number> {
  const users = roomSql.exec<{ user_id: string }>("SELECT user_id FROM user_refs_pending LIMIT 490").toArray().map((row) => row.user_id);
  if (users.length === 0) return 0;
  const db = drizzle(d1);
  const notedAt = Date.now();
  const inserts = [];
  for (let i = 0; i < users.length; i += REFS_PER_INSERT) {
    const rows = users.slice(i, i + REFS_PER_INSERT).map((userId) => ({ userId, target, notedAt }));
    inserts.push(
      db
        .insert(userRoomRefs)
        .values(rows)
        .onConflictDoUpdate({ target: [userRoomRefs.userId, userRoomRefs.target], set: { notedAt: sql`excluded.noted_at` } }),
    );
  }
  const [first, ...rest] = inserts;
  if (first) await db.batch([first, ...rest]);
  for (const userId of users) roomSql.exec("DELETE FROM user_refs_pending WHERE user_id = ?", userId);
  return users.length;
}
