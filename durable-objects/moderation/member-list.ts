import { noteUserRef } from "./user-refs";
import { MAX_MEMBERS } from "../../protocol/moderation";

/**
 * The members list an owner keeps for a members-only room. Token roles (`member:<target>`)
 * are the other way in and need no row here.
 */
export class MemberList {
  constructor(private readonly sql: SqlStorage) {}

  has(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM members WHERE user_id = ?", userId).toArray().length > 0;
  }

  list(): string[] {
    return this.sql.exec<{ user_id: string }>("SELECT user_id FROM members ORDER BY user_id").toArray().map((row) => row.user_id);
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members").one().n;
  }

  /** Call inside the write transaction: the old list is gone only if the new one is stored. */
  replace(userIds: readonly string[], now: number): string[] {
    this.sql.exec("DELETE FROM members");
    for (const userId of new Set(userIds)) {
      this.sql.exec("INSERT INTO members (user_id, added_at) VALUES (?, ?)", userId, now);
      noteUserRef(this.sql, userId);
    }
    return this.list();
  }

  /** Adds one member; false when they were one already. Refuses to grow past MAX_MEMBERS. */
  add(userId: string, now: number): "added" | "present" | "full" {
    if (this.has(userId)) return "present";
    if (this.size() >= MAX_MEMBERS) return "full";
    this.sql.exec("INSERT INTO members (user_id, added_at) VALUES (?, ?)", userId, now);
    noteUserRef(this.sql, userId);
    return "added";
  }

  remove(userId: string): boolean {
    return this.sql.exec("DELETE FROM members WHERE user_id = ?", userId).rowsWritten > 0;
  }
}
