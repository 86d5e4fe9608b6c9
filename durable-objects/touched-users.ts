import type { TouchedUsersPage, TouchKind } from "../protocol/internal/like-truth";

/**
 * Where a room names a user other than by a like: the table, its user column (indexed, except in
 * the small `reports`), the kind of touch the user's index files it under, and the time column
 * (null: none kept).
 */
const SOURCES: readonly { from: string; user: string; kind: TouchKind; at: string | null }[] = [
  { from: "comments", user: "author_id", kind: "comment", at: "created_at" },
  { from: "comment_archive_authors", user: "author_id", kind: "comment", at: null },
  { from: "reactions", user: "user_id", kind: "reaction", at: "reacted_at" },
  { from: "moderators", user: "user_id", kind: "ref", at: "added_at" },
  { from: "members", user: "user_id", kind: "ref", at: "added_at" },
  { from: "bans", user: "user_id", kind: "ref", at: "created_at" },
  { from: "reports", user: "reporter_id", kind: "ref", at: "created_at" },
  { from: "(SELECT value AS owner FROM room_meta WHERE key = 'owner')", user: "owner", kind: "ref", at: null },
];

/**
 * A page of the users this room names other than by a like: comment authors (kept and
 * archived), reactors, and those named in moderation (owner, moderators, members, bans,
 * reporters), in user id order, with each kind's latest time. One ordered, limited read per
 * source, merged here (a Durable Object's SQLite refuses a compound SELECT of this many terms).
 * For the backfill only (rare, admin-driven).
 */
export function readTouchedUsers(sql: SqlStorage, afterUserId: string | null, limit: number): TouchedUsersPage {
  const after = afterUserId ?? "";
  const candidates = new Set<string>();
  for (const { from, user } of SOURCES) {
    for (const row of sql.exec<{ id: string }>(`SELECT DISTINCT ${user} AS id FROM ${from} WHERE ${user} > ? ORDER BY ${user} LIMIT ?`, after, limit)) {
      candidates.add(row.id);
    }
  }
  const ids = [...candidates].sort(byCodePoint).slice(0, limit);
  if (ids.length === 0) return { users: [], nextAfter: null };
  const touches = new Map<string, Map<TouchKind, number>>(ids.map((id) => [id, new Map()]));
  const page = JSON.stringify(ids);
  for (const { from, user, kind, at } of SOURCES) {
    for (const row of sql.exec<{ id: string; at: number | null }>(
      `SELECT ${user} AS id, ${at === null ? "0" : `MAX(${at})`} AS at FROM ${from} WHERE ${user} IN (SELECT value FROM json_each(?)) GROUP BY ${user}`,
      page,
    )) {
      const kinds = touches.get(row.id);
      if (kinds !== undefined) kinds.set(kind, Math.max(kinds.get(kind) ?? 0, row.at ?? 0));
    }
  }
  return {
    users: ids.map((userId) => ({ userId, touches: [...touches.get(userId)!].map(([touchKind, time]) => ({ kind: touchKind, at: time })) })),
    nextAfter: ids.length === limit ? (ids.at(-1) ?? null) : null,
  };
}

/** SQLite's order for TEXT (bytes of UTF-8), which is code point order; `sort()` alone compares UTF-16 units. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
