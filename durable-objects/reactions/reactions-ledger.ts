import type { EngagementEvent } from "../../protocol/events";
import type { ReactInput, ReactionUsersAfter, ReactionUsersSlice } from "../../protocol/internal/reaction-rpc";
import { ReactionResult } from "../../protocol/reactions";
import type { RoomResult } from "../../protocol/internal/room-rpc";
import type { ChangeLog } from "../write-path/change-log";
import { idempotencyScope, type IdempotencyStore } from "../idempotency";
import { enqueueEvent } from "../outbox";
import { refuse } from "../refusal";
import type { RoomSeq } from "../room-seq";
import { ROOM_SUBJECT } from "./reaction-counts";

/** What a room must tell the ledger about itself before a reaction is accepted. */
export interface ReactionRules {
  /** The reactions the room accepts now (its settings). */
  allowed(): readonly string[];
}

/**
 * The exact reactions of one room: at most one of each emoji per user per subject (the room's
 * own target, subject '', or one of its comments). Every method is synchronous and runs
 * inside the room's write transaction, so `reactions` and `reaction_counts` never disagree.
 */
export class ReactionsLedger {
  constructor(
    private readonly sql: SqlStorage,
    private readonly seq: RoomSeq,
    private readonly idempotency: IdempotencyStore,
    private readonly rules: ReactionRules,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds or removes one reaction; the caller wraps this in `commit`. */
  react(input: ReactInput, log: ChangeLog): RoomResult<ReactionResult> {
    const subject = input.commentId ?? ROOM_SUBJECT;
    const userId = input.actor.userId;
    const fingerprint = `${subject}|${input.emoji}|${input.action}`;
    const scope = input.idempotencyKey === undefined ? null : idempotencyScope(userId, input.idempotencyKey, "react");
    if (scope !== null) {
      const previous = this.idempotency.lookup(scope, fingerprint, ReactionResult);
      if (previous.kind === "conflict") {
        return refuse(422, "idempotency_conflict", `Idempotency-Key was first used for "${previous.firstFingerprint}", not "${fingerprint}"`);
      }
      if (previous.kind === "hit") return { ok: true, value: previous.result };
    }

    if (input.commentId !== undefined && !this.commentIsVisible(input.commentId)) {
      return refuse(404, "comment_not_found", `no comment ${input.commentId} in ${input.target}`);
    }
    const had = this.has(subject, input.emoji, userId);
    const allowed = this.rules.allowed();
    // Taking back a reaction the room has since dropped from its set stays possible.
    if (!allowed.includes(input.emoji) && !(input.action === "remove" && had)) {
      return refuse(400, "unknown_reaction", `"${input.emoji}" is not a reaction of ${input.target}; allowed: ${allowed.join(" ")}`);
    }

    const want = input.action === "add";
    let result: ReactionResult;
    if (had === want) {
      result = { target: input.target, emoji: input.emoji, reacted: had, count: this.count(subject, input.emoji), changed: false, seq: this.seq.last };
    } else {
      const { seq, count } = this.record(input.target, subject, input.emoji, userId, want, userId, log);
      result = { target: input.target, emoji: input.emoji, reacted: want, count, changed: true, seq };
    }
    if (scope !== null) {
      this.idempotency.remember(scope, fingerprint, result);
      log.rememberedIdempotencyKey();
    }
    return { ok: true, value: result };
  }

  /**
   * Removes every reaction of a user who asked to be forgotten. Counts and seq move as for a
   * remove, but the events carry no user id. Returns how many reactions were removed.
   */
  eraseUser(target: string, userId: string, log: ChangeLog, before: number = Number.MAX_SAFE_INTEGER): number {
    const rows = this.sql
      .exec<{ subject: string; emoji: string }>(
        "SELECT subject, emoji FROM reactions WHERE user_id = ? AND reacted_at <= ? ORDER BY subject, emoji",
        userId,
        before,
      )
      .toArray();
    for (const row of rows) this.record(target, row.subject, row.emoji, userId, false, null, log);
    return rows.length;
  }

  has(subject: string, emoji: string, userId: string): boolean {
    return (
      this.sql.exec("SELECT 1 FROM reactions WHERE subject = ? AND emoji = ? AND user_id = ?", subject, emoji, userId).toArray().length > 0
    );
  }

  /** The emoji `userId` holds on `subject`, sorted: a reconnecting viewer's pressed buttons. */
  heldBy(subject: string, userId: string): string[] {
    return this.sql
      .exec<{ emoji: string }>("SELECT emoji FROM reactions WHERE subject = ? AND user_id = ? ORDER BY emoji", subject, userId)
      .toArray()
      .map((row) => row.emoji);
  }

  count(subject: string, emoji: string): number {
    return this.sql.exec<{ n: number }>("SELECT n FROM reaction_counts WHERE subject = ? AND emoji = ?", subject, emoji).toArray()[0]?.n ?? 0;
  }

  /** Who reacted with `emoji`, newest first; ties in time are ordered by user id. */
  users(subject: string, emoji: string, after: ReactionUsersAfter | null, limit: number): ReactionUsersSlice {
    const rows =
      after === null
        ? this.sql
            .exec<{ user_id: string; reacted_at: number }>(
              `SELECT user_id, reacted_at FROM reactions WHERE subject = ? AND emoji = ?
               ORDER BY reacted_at DESC, user_id DESC LIMIT ?`,
              subject,
              emoji,
              limit + 1,
            )
            .toArray()
        : this.sql
            .exec<{ user_id: string; reacted_at: number }>(
              `SELECT user_id, reacted_at FROM reactions WHERE subject = ? AND emoji = ?
                 AND (reacted_at < ? OR (reacted_at = ? AND user_id < ?))
               ORDER BY reacted_at DESC, user_id DESC LIMIT ?`,
              subject,
              emoji,
              after.reactedAt,
              after.reactedAt,
              after.userId,
              limit + 1,
            )
            .toArray();
    const items = rows.slice(0, limit).map((row) => ({ userId: row.user_id, reactedAt: row.reacted_at }));
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? { reactedAt: last.reactedAt, userId: last.userId } : null };
  }

  commentIsVisible(commentId: string): boolean {
    return this.sql.exec("SELECT 1 FROM comments WHERE id = ? AND deleted_at IS NULL", commentId).toArray().length > 0;
  }

  private record(
    target: string,
    subject: string,
    emoji: string,
    userId: string,
    add: boolean,
    eventUserId: string | null,
    log: ChangeLog,
  ): { seq: number; count: number } {
    const at = this.now();
    const seq = this.seq.next();
    if (add) {
      this.sql.exec("INSERT INTO reactions (subject, emoji, user_id, reacted_at) VALUES (?, ?, ?, ?)", subject, emoji, userId, at);
      this.sql.exec(
        `INSERT INTO reaction_counts (subject, emoji, n) VALUES (?, ?, 1)
         ON CONFLICT (subject, emoji) DO UPDATE SET n = n + 1`,
        subject,
        emoji,
      );
    } else {
      this.sql.exec("DELETE FROM reactions WHERE subject = ? AND emoji = ? AND user_id = ?", subject, emoji, userId);
      this.sql.exec("UPDATE reaction_counts SET n = n - 1 WHERE subject = ? AND emoji = ?", subject, emoji);
      this.sql.exec("DELETE FROM reaction_counts WHERE subject = ? AND emoji = ? AND n <= 0", subject, emoji);
    }
    const count = this.count(subject, emoji);
    const event: EngagementEvent = {
      eventId: crypto.randomUUID(),
      type: add ? "reaction_add" : "reaction_remove",
      target,
      userId: eventUserId,
      at,
      seq,
      emoji,
      subject: subject === ROOM_SUBJECT ? null : subject,
    };
    enqueueEvent(this.sql, event);
    log.emit(seq, at, { kind: "reaction", commentId: subject === ROOM_SUBJECT ? null : subject, emoji, count });
    return { seq, count };
  }
}
