import type { EngagementEvent } from "../../protocol/events";
import type { RoomWrite, UserTargetsPage } from "../../protocol/internal/user-index";
import { LikedTargets } from "./liked-targets";

/** What a touch on a target other than a like is filed under in `touched_targets`. */
export type TouchKind = "comment" | "reaction" | "moderation" | "ref";

function touchKind(event: EngagementEvent): TouchKind | null {
  switch (event.type) {
    case "like":
    case "unlike":
      return null;
    case "comment_create":
    case "comment_delete":
    case "comment_edit":
      return "comment";
    case "reaction_add":
    case "reaction_remove":
      return "reaction";
    case "moderation":
      return "moderation";
    default: {
      const unknown: never = event;
      throw new Error(`unhandled event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The user's own index over their object's SQLite (schema: index-schema.ts): their likes,
 * versioned per target, and every other target they touched, which deletion and export read.
 * Callers run each method inside one storage transaction.
 */
export class UserIndex {
  readonly likes: LikedTargets;

  constructor(private readonly sql: SqlStorage) {
    this.likes = new LikedTargets(sql);
  }

  /** Applies events that name this user; returns how many changed the index. */
  apply(userId: string, events: readonly EngagementEvent[]): number {
    let changed = 0;
    for (const event of events) {
      if (event.userId !== userId) continue;
      const kind = touchKind(event);
      if (kind === null) {
        const version = { epoch: event.epoch ?? 0, seq: event.seq };
        if (this.likes.apply(event.target, event.type === "like", event.at, version)) changed++;
      } else if (this.touch(event.target, kind, event.at)) changed++;
    }
    if (changed > 0) this.bumpRevision();
    return changed;
  }

  /** A room names the user in moderation; true when it is news to the index. */
  noteRef(target: string, at: number): boolean {
    const changed = this.touch(target, "ref", at);
    if (changed) this.bumpRevision();
    return changed;
  }

  /** The backfill: a touch a room still holds (durable-objects/touched-users.ts); true when news. */
  noteTouch(target: string, kind: TouchKind, at: number): boolean {
    const changed = this.touch(target, kind, at);
    if (changed) this.bumpRevision();
    return changed;
  }

  revision(): number {
    return this.sql.exec<{ revision: number }>("SELECT revision FROM index_revision WHERE id = 1").toArray()[0]?.revision ?? 0;
  }

  /** Every target the index names, likes' tombstones and the quota rows included, in target order. */
  targets(after: string | null, limit: number): UserTargetsPage {
    const rows = this.sql
      .exec<{ target: string }>(
        `SELECT target FROM (
           SELECT target FROM liked_targets UNION SELECT target FROM touched_targets UNION SELECT target FROM user_targets
         ) WHERE target > ? ORDER BY target LIMIT ?`,
        after ?? "",
        limit,
      )
      .toArray()
      .map((row) => row.target);
    return { targets: rows, nextAfter: rows.length === limit ? (rows.at(-1) ?? null) : null, revision: this.revision() };
  }

  /** Rooms the user wrote to (or was named in) at or after `since`, with the last time. */
  writtenSince(since: number): RoomWrite[] {
    return this.sql
      .exec<{ target: string; last_at: number }>(
        `SELECT target, MAX(at) AS last_at FROM (
           SELECT target, changed_at AS at FROM liked_targets WHERE changed_at >= ?1
           UNION ALL SELECT target, last_at AS at FROM touched_targets WHERE last_at >= ?1
         ) GROUP BY target`,
        since,
      )
      .toArray()
      .map((row) => ({ target: row.target, lastAt: row.last_at }));
  }

  private touch(target: string, kind: TouchKind, at: number): boolean {
    return (
      this.sql.exec(
        `INSERT INTO touched_targets (target, kind, last_at) VALUES (?, ?, ?)
         ON CONFLICT (target, kind) DO UPDATE SET last_at = excluded.last_at WHERE excluded.last_at > last_at`,
        target,
        kind,
        at,
      ).rowsWritten > 0
    );
  }

  /** Public for repairs (UserState.repairLikes), which change entries outside `apply`. */
  bumpRevision(): void {
    this.sql.exec("INSERT INTO index_revision (id, revision) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET revision = revision + 1");
  }
}
