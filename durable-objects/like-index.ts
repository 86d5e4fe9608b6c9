import type { LikeIndexPage } from "../protocol/deletion";
import type { LikesLedger } from "./likes-ledger";

/** One page of a room's likers in user id order: the truth a D1 repair copies. */
export function readLikeIndexPage(sql: SqlStorage, likes: LikesLedger, afterUserId: string | null, limit: number): LikeIndexPage {
  const rows = sql
    .exec<{ user_id: string; liked_at: number }>(
      "SELECT user_id, liked_at FROM likes WHERE user_id > ? ORDER BY user_id LIMIT ?",
      afterUserId ?? "",
      limit,
    )
    .toArray();
  return {
    likes: likes.count,
    seq: likes.lastSeq,
    users: rows.map((row) => ({ userId: row.user_id, likedAt: row.liked_at })),
    nextAfter: rows.length === limit ? (rows.at(-1)?.user_id ?? null) : null,
  };
}
