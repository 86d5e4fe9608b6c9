import type { LikeEntry, UserLikesPage, UserLikesPageInput } from "../../protocol/internal/user-index";

/** Whose sequence a change carries and where in it: (epoch, seq), compared in that order. */
export interface EntryVersion {
  epoch: number;
  seq: number;
}

export function isNewer(a: EntryVersion, b: EntryVersion): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.seq > b.seq);
}

/**
 * The user's like entries, one per target. Queues deliver at least once and in any order, so a
 * change applies only if its version is newer than the entry's: a duplicate or an older change
 * is a no-op, and an unlike stays as a tombstone carrying its version.
 */
export class LikedTargets {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the change was newer than the entry and is now stored (stamped with when). */
  apply(target: string, liked: boolean, at: number, version: EntryVersion): boolean {
    const current = this.sql
      .exec<{ epoch: number; seq: number }>("SELECT epoch, seq FROM liked_targets WHERE target = ?", target)
      .toArray()[0];
    if (current !== undefined && !isNewer(version, current)) return false;
    this.sql.exec(
      `INSERT INTO liked_targets (target, liked, liked_at, epoch, seq, changed_at, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (target) DO UPDATE SET liked = excluded.liked, liked_at = excluded.liked_at,
         epoch = excluded.epoch, seq = excluded.seq, changed_at = MAX(changed_at, excluded.changed_at),
         applied_at = excluded.applied_at`,
      target,
      liked ? 1 : 0,
      liked ? at : null,
      version.epoch,
      version.seq,
      at,
      this.now(),
    );
    return true;
  }

  /**
   * Held against a like holder's truth at `version` (reconciliation, backfill): `agrees` when the
   * entry already says the same, `newer` when it carries a change at least as new as the read
   * (left alone), else the truth is stored with that version, like any newer change.
   */
  reconcile(target: string, liked: boolean, likedAt: number | null, version: EntryVersion, now: number): { outcome: "agrees" | "repaired" | "newer"; wasLiked: boolean } {
    const current = this.sql
      .exec<{ liked: number; liked_at: number | null; epoch: number; seq: number }>("SELECT liked, liked_at, epoch, seq FROM liked_targets WHERE target = ?", target)
      .toArray()[0];
    const wasLiked = current?.liked === 1;
    const same = wasLiked === liked && (!liked || current?.liked_at === likedAt);
    if (same) return { outcome: "agrees", wasLiked };
    if (current !== undefined && !isNewer(version, current)) return { outcome: "newer", wasLiked };
    this.apply(target, liked, liked ? (likedAt ?? now) : now, version);
    return { outcome: "repaired", wasLiked };
  }

  /** One entry as stored, with when it changed in its room (`changedAt`) and when it reached this index. */
  entry(target: string): LikeEntry | null {
    const row = this.sql
      .exec<{ liked: number; changed_at: number; applied_at: number | null }>("SELECT liked, changed_at, applied_at FROM liked_targets WHERE target = ?", target)
      .toArray()[0];
    return row === undefined ? null : { liked: row.liked === 1, changedAt: row.changed_at, appliedAt: row.applied_at };
  }

  /** Newest first, ties by target; the same order the partial index holds, read backwards. */
  page({ limit, after }: UserLikesPageInput): UserLikesPage {
    const rows = (
      after === null
        ? this.sql.exec<{ target: string; liked_at: number }>(
            "SELECT target, liked_at FROM liked_targets WHERE liked = 1 ORDER BY liked_at DESC, target DESC LIMIT ?",
            limit + 1,
          )
        : this.sql.exec<{ target: string; liked_at: number }>(
            `SELECT target, liked_at FROM liked_targets WHERE liked = 1 AND (liked_at, target) < (?, ?)
             ORDER BY liked_at DESC, target DESC LIMIT ?`,
            after[0],
            after[1],
            limit + 1,
          )
    ).toArray();
    return {
      items: rows.slice(0, limit).map((row) => ({ target: row.target, likedAt: row.liked_at })),
      more: rows.length > limit,
      total: this.total(),
    };
  }

  /** Exact: counted over the partial index of current likes, which holds nothing else. */
  total(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM liked_targets WHERE liked = 1").one().n;
  }
}
