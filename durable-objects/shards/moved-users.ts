import type { HandedKey, HandedUser } from "../../protocol/internal/shard-rpc";
import type { LikeStatus } from "../../protocol/internal/room-rpc";
import { anonymiseOutboxEvents } from "../outbox";

/**
 * Users a like holder (a room or a shard) handed on to a newer epoch, with the state it
 * handed. The marker is what makes a handoff idempotent: a new shard that crashed before
 * storing the user asks again and gets the same answer, and nothing stays counted here.
 */
export const LIKE_MOVED_TABLE = `CREATE TABLE like_moved (user_id TEXT PRIMARY KEY, liked INTEGER NOT NULL, liked_at INTEGER) WITHOUT ROWID;`;

export class MovedUsers {
  constructor(private readonly sql: SqlStorage) {}

  find(userId: string): HandedUser | null {
    const row = this.sql
      .exec<{ liked: number; liked_at: number | null }>("SELECT liked, liked_at FROM like_moved WHERE user_id = ?", userId)
      .toArray()[0];
    if (row === undefined) return null;
    return { liked: row.liked === 1, likedAt: row.liked_at, keys: likeKeysOf(this.sql, userId) };
  }

  any(): boolean {
    return this.sql.exec("SELECT 1 FROM like_moved LIMIT 1").toArray().length > 0;
  }

  has(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM like_moved WHERE user_id = ?", userId).toArray().length > 0;
  }

  /** Whether any of these users was handed on, in one statement: a shard asks it of every batch. */
  anyAmong(userIds: readonly string[]): boolean {
    return this.sql.exec("SELECT 1 FROM like_moved WHERE user_id IN (SELECT value FROM json_each(?)) LIMIT 1", JSON.stringify(userIds)).toArray().length > 0;
  }

  /**
   * A user's erasure: the marker stays (without it an older epoch could take the user in a
   * second time), but it no longer says whether or when they liked. Returns whether one existed.
   */
  scrub(userId: string): boolean {
    return this.sql.exec("UPDATE like_moved SET liked = 0, liked_at = NULL WHERE user_id = ?", userId).rowsWritten > 0;
  }

  /** The answer for a user this holder never held (not liked, no like key), or null if it holds something of them. */
  ifNeverHeld(userId: string, status: LikeStatus): HandedUser | null {
    if (status.liked) return null;
    const keys = likeKeysOf(this.sql, userId);
    return keys.length === 0 ? { liked: false, likedAt: null, keys } : null;
  }

  mark(userId: string, status: LikeStatus): HandedUser {
    this.sql.exec(
      "INSERT INTO like_moved (user_id, liked, liked_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
      userId,
      status.liked ? 1 : 0,
      status.likedAt,
    );
    return { liked: status.liked, likedAt: status.likedAt, keys: likeKeysOf(this.sql, userId) };
  }
}

/**
 * The user's like Idempotency-Keys (scope `${userId}\0${key}`, durable-objects/idempotency.ts),
 * so a retried request replays its first answer at the new holder too. Comment and reaction
 * scopes (`${userId}\0comment\0...`) stay with the room.
 */
function likeKeysOf(sql: SqlStorage, userId: string): HandedKey[] {
  const prefix = `${userId}\u0000`;
  return sql
    .exec<{ key: string; fingerprint: string; response: string; created_at: number }>(
      "SELECT key, fingerprint, response, created_at FROM idempotency WHERE key >= ? AND key < ?",
      prefix,
      `${userId}\u0001`,
    )
    .toArray()
    .filter((row) => isLikeKey(row.key))
    .map((row) => ({ key: row.key, fingerprint: row.fingerprint, response: row.response, createdAt: row.created_at }));
}

/** Whether any like Idempotency-Key is stored here: a walk that stops at the first one. */
export function anyLikeKey(sql: SqlStorage): boolean {
  for (const row of sql.exec<{ key: string }>("SELECT key FROM idempotency")) if (isLikeKey(row.key)) return true;
  return false;
}

function isLikeKey(scoped: string): boolean {
  const user = scoped.indexOf("\u0000");
  const rest = scoped.slice(user);
  return !rest.startsWith("\u0000comment\u0000") && !rest.startsWith("\u0000react\u0000");
}

export function importKeys(sql: SqlStorage, keys: readonly HandedKey[]): void {
  for (const key of keys) {
    sql.exec(
      "INSERT INTO idempotency (key, fingerprint, response, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
      key.key,
      key.fingerprint,
      key.response,
      key.createdAt,
    );
  }
}

/** A shard's part of a user's erasure besides the like: their queued events and their keys. */
export function scrubUserTraces(sql: SqlStorage, userId: string): { outboxAnonymised: number; idempotencyKeysRemoved: number } {
  const outboxAnonymised = anonymiseOutboxEvents(sql, userId);
  const idempotencyKeysRemoved = sql.exec("DELETE FROM idempotency WHERE key >= ? AND key < ?", `${userId}\u0000`, `${userId}\u0001`).rowsWritten;
  return { outboxAnonymised, idempotencyKeysRemoved };
}
