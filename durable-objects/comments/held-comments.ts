import type { Actor } from "../../protocol/actor";
import type { Comment } from "../../protocol/comments";
import type { HeldComment, HeldCursor, HeldFor, HeldPage, HeldResolution } from "../../protocol/held";
import type { RoomResult } from "../../protocol/internal/room-rpc";
import type { ChangeLog } from "../write-path/change-log";
import { enqueueEvent } from "../outbox";
import { refuse } from "../refusal";
import { redactRing } from "../ring-redaction";
import type { RoomMeta } from "../room-meta";
import type { RoomSeq } from "../room-seq";
import { noteUserRef } from "../moderation/user-refs";
import { markCommentForBinding } from "../reactions/comment-bindings";
import { newCommentId, seqOfCommentId } from "./comment-id";
import type { Audience } from "../write-path/audience";
import { toComment, type CommentRow, type CommentStore } from "./comment-store";
import { HeldStore, publishedRow, toHeldComment, type HeldRow } from "./held-store";
import type { ModLogRecord } from "../moderation/mod-log";

/** What the queue asks of the room around it. */
export interface HeldDeps {
  sql: SqlStorage;
  meta: RoomMeta;
  seq: RoomSeq;
  comments: CommentStore;
  isModerator(actor: Actor): boolean;
  logModeration(log: ChangeLog, entry: ModLogRecord): void;
  /**
   * Applies an approved edit to its published comment as the author's edit would have been
   * (room-comments.ts): new text, a version kept, the live event, the history rewritten.
   */
  /** The newest id the R2 archive holds (comment-archive.ts): the window never takes an id at or below it. */
  archivedThrough(): string | null;
  applyEdit(log: ChangeLog, target: string, commentId: string, text: string, mentions: string, now: number, retain: number): RoomResult<Comment>;
  /** The room's publish delay now (settings `publishDelaySeconds`), in ms. */
  publishDelayMs(): number;
}

/** A new comment's content, as create checked and stored it. */
export interface HeldDraft {
  authorId: string;
  authorName: string;
  text: string;
  mentions: string;
  replyTo: string | null;
  /** A held edit of this published comment. */
  editOf?: string;
}

/**
 * How many comments one author may have waiting: the queue is worked by people, and a user
 * held by pre-moderation must not bury everyone else's comments under their own.
 */
export const MAX_HELD_PER_AUTHOR = 20;

/** Delayed comments one alarm run publishes; more due ones run again at once (alarm-jobs.ts). */
const RELEASE_BATCH = 100;

const NOT_A_MODERATOR = refuse(403, "forbidden", "only the room's owner, its moderators and admins may do this");
const notHeld = (id: string) => refuse(404, "held_not_found", `no held comment ${id} in this room`);

/**
 * The room's review queue (docs/moderation.md "Held comments"). A held comment takes a seq for
 * its `held` event but no public id: approving it publishes it with an id and seq of that
 * moment, so it lands where readers are, never among pages they already read. A comment hidden
 * by reports was public: approving it puts it back under its own id, since readers know it by
 * that id already. Every event that quotes a held comment goes to its author and the moderators
 * only (audience `{ user }`); its publication goes to everyone.
 */
export class HeldComments {
  readonly store: HeldStore;

  constructor(private readonly deps: HeldDeps) {
    this.store = new HeldStore(deps.sql);
  }

  /**
   * A restricted author's new comment (docs/moderation.md "Restrictions"): kept like a held
   * comment, so no page, count, reply count or top list of the room has it, but answered and
   * sent (to its author and the moderators only) as an ordinary published comment, so the
   * author cannot tell. Never refused for the queue's size: the oldest beyond
   * MAX_HELD_PER_AUTHOR is dropped quietly instead (a 429 would tell).
   */
  shadow(log: ChangeLog, target: string, draft: HeldDraft, now: number): Comment {
    const seq = this.deps.seq.next();
    const row = newHeldRow(draft, "restricted", null, seq, now);
    this.pruneShadowed(draft.authorId);
    this.store.insert(row);
    noteUserRef(this.deps.sql, draft.authorId);
    const comment = shadowView(target, row);
    log.emit(seq, now, { kind: "comment", comment }, { user: draft.authorId });
    return comment;
  }

  /**
   * A restricted author's edit (docs/moderation.md "Restrictions"), answered and sent (to the
   * author and the moderators only) as the published edit `shown` would be, so the author
   * cannot tell, while everyone else keeps the version they had. Of a comment published before
   * the restriction (`editOf`): kept as a held edit, which a later one replaces (the queue
   * keeps one per comment, its newest text). Of the author's own shadowed comment (`shadowed`):
   * that row takes the new text. Never refused for the queue's size, as `shadow`.
   */
  shadowEdit(log: ChangeLog, draft: HeldDraft, shown: Comment, now: number, shadowed?: HeldRow): Comment {
    const seq = this.deps.seq.next();
    const editOf = draft.editOf ?? null;
    const pending = shadowed ?? (editOf === null ? undefined : this.store.editsOf(editOf).find((row) => row.held_for === "restricted" && row.author_id === draft.authorId));
    if (pending !== undefined) this.store.rewrite(pending.id, draft.text, draft.mentions);
    else {
      this.pruneShadowed(draft.authorId);
      this.store.insert(newHeldRow(draft, "restricted", editOf, seq, now));
      noteUserRef(this.deps.sql, draft.authorId);
    }
    log.emit(seq, now, { kind: "comment", comment: shown }, { user: draft.authorId });
    return shown;
  }

  /** What the author of a shadowed comment is shown of it after an edit: its own id and seq, the new text. */
  shadowedView(target: string, row: HeldRow, text: string, mentions: string, now: number): Comment {
    return { ...shadowView(target, { ...row, text, mentions }), editedAt: new Date(now).toISOString() };
  }

  /** A restricted author's queue keeps their newest MAX_HELD_PER_AUTHOR - 1 shadowed rows before one more. */
  private pruneShadowed(authorId: string): void {
    for (const old of this.store.oldestShadowed(authorId, MAX_HELD_PER_AUTHOR - 1)) {
      this.store.remove(old.id);
      redactRing(this.deps.sql, { commentIds: [old.id], authorId: null }, 0);
    }
  }

  /** Refuses (429 `too_many_held`) an author who already has MAX_HELD_PER_AUTHOR comments waiting. */
  hold(log: ChangeLog, target: string, draft: HeldDraft, heldFor: HeldFor, now: number): RoomResult<HeldComment> {
    if (this.store.countByAuthor(draft.authorId) >= MAX_HELD_PER_AUTHOR) {
      return refuse(429, "too_many_held", `you have ${MAX_HELD_PER_AUTHOR} comments waiting for a moderator; wait for them to be reviewed`);
    }
    const seq = this.deps.seq.next();
    const row = newHeldRow(draft, heldFor, draft.editOf ?? null, seq, now);
    this.store.insert(row);
    // The delay in force when it was posted: a later settings change does not move it.
    const releaseAt = heldFor === "delay" ? now + this.deps.publishDelayMs() : null;
    if (releaseAt !== null) this.store.delayUntil(row.id, releaseAt);
    // Nothing public names the author here yet: their deletion must still find this room.
    noteUserRef(this.deps.sql, draft.authorId);
    const held = toHeldComment(target, row, releaseAt);
    log.emit(seq, now, { kind: "held", comment: held }, { user: draft.authorId });
    return { ok: true, value: held };
  }

  list(actor: Actor, target: string, before: HeldCursor | undefined, limit: number): RoomResult<HeldPage> {
    return this.deps.isModerator(actor) ? { ok: true, value: this.store.page(target, before, limit) } : NOT_A_MODERATOR;
  }

  /** `retain`: the room's comment retention, which an approved edit must respect (comment-rpc.ts). */
  approve(log: ChangeLog, target: string, actor: Actor, heldId: string, reason: string | undefined, now: number, retain: number): RoomResult<HeldResolution> {
    if (!this.deps.isModerator(actor)) return NOT_A_MODERATOR;
    const row = this.store.find(heldId);
    if (row === null) return notHeld(heldId);
    const published = this.release(log, target, row, now, retain);
    if (!published.ok) return published;
    const resolution = published.value;
    const comment = resolution.comment;
    if (comment === null) throw new Error(`approved ${heldId} without a comment`);
    this.deps.logModeration(log, { moderatorId: actor.userId, action: "approve", at: now, userId: row.author_id, commentId: comment.id, reason: reason || null, detail: whatHeld(row) });
    return { ok: true, value: resolution };
  }

  /**
   * The triage dismissed the reports of a comment they hid (moderation/moderation-desk.ts
   * resolveReports): it comes back as an approval brings it (its own id and seq, `comment` to
   * everyone, `held_resolved` to its author, its reports closed), inside the dismissal's
   * transaction, with no `approve` entry: the mod log records the dismissal. Answers null when
   * no report hid the comment (it is public, or gone), so there is nothing to bring back.
   */
  restoreReported(log: ChangeLog, target: string, commentId: string, now: number, retain: number): RoomResult<Comment | null> {
    const row = this.store.find(commentId);
    if (row === null || row.held_for !== "reports" || row.published === null) return { ok: true, value: null };
    const restored = this.release(log, target, row, now, retain);
    return restored.ok ? { ok: true, value: restored.value.comment } : restored;
  }

  /**
   * The publish delay's alarm job (room/comment-rpc.ts): every delayed comment whose time has
   * come is published as an approval would publish it, by no one. One that can no longer be
   * (its parent or edited comment is gone) is dropped, its author told as for a denial.
   * Answers the comments it published.
   */
  releaseDue(log: ChangeLog, target: string, now: number, retain: number): Comment[] {
    const published: Comment[] = [];
    for (const row of this.store.due(now, RELEASE_BATCH)) {
      const released = this.release(log, target, row, now, retain);
      if (released.ok && released.value.comment !== null) published.push(released.value.comment);
      else if (!released.ok) this.drop(log, target, row, now, "moderator", null);
    }
    return published;
  }

  /** Publishes a held comment (or applies a held edit), takes it off the queue and tells its author. */
  private release(log: ChangeLog, target: string, row: HeldRow, now: number, retain: number): RoomResult<HeldResolution> {
    const published = row.edit_of !== null ? this.deps.applyEdit(log, target, row.edit_of, row.text, row.mentions, now, retain) : this.publish(log, target, row, now);
    if (!published.ok) return published;
    this.store.remove(row.id);
    // A restricted author was shown their comment as published under the id it had while
    // shadowed: the published one replaces it on their page like any comment, no word of a hold.
    if (row.held_for === "restricted" && row.edit_of === null) log.emit(this.deps.seq.next(), now, { kind: "comment_deleted", id: row.id, replyTo: row.reply_to }, { user: row.author_id });
    const resolution: HeldResolution = { heldId: row.id, outcome: "approved", comment: published.value };
    log.emit(this.deps.seq.next(), now, { kind: "held_resolved", ...resolution }, resolvedAudience(row));
    return { ok: true, value: resolution };
  }

  /**
   * A new comment gets a public id and seq of this moment; one hidden by reports goes back as
   * it was. Either way everyone gets the ordinary `comment` event.
   */
  private publish(log: ChangeLog, target: string, row: HeldRow, now: number): RoomResult<Comment> {
    const hidden = publishedRow(row);
    // Refusals first: a refused approval takes no seq (a seq without its event is a hole in the history).
    if (hidden !== null) {
      // Its pages moved to R2 while it waited: the window cannot take it back below them.
      const through = this.deps.archivedThrough();
      if (through !== null && hidden.id <= through) return refuse(409, "archived_past", "the archive moved past this comment while it was hidden; deny it instead");
    } else if (row.reply_to !== null) {
      const parent = this.deps.comments.find(row.reply_to);
      if (parent === null || parent.deleted_at !== null) return refuse(409, "reply_parent_gone", "the comment this replies to is gone; deny it instead");
    }
    const seq = this.deps.seq.next();
    let id: string;
    if (hidden !== null) {
      id = hidden.id;
      this.deps.comments.restore(hidden);
      // The reports were decided: left open, the next one would hide it again at once.
      this.deps.sql.exec("DELETE FROM reports WHERE comment_id = ?", hidden.id);
    } else {
      id = newCommentId(now, seq);
      this.deps.comments.insert({
        id,
        seq,
        author_id: row.author_id,
        author_name: row.author_name,
        text: row.text,
        mentions: row.mentions,
        reply_to: row.reply_to,
        created_at: now,
        deleted_at: null,
        highlighted: 0,
        replies: 0,
      });
      markCommentForBinding(this.deps.sql, id);
      enqueueEvent(this.deps.sql, { eventId: crypto.randomUUID(), type: "comment_create", target, userId: row.author_id, at: now, seq, commentId: id, replyTo: row.reply_to });
    }
    const comment = this.view(target, id);
    log.emit(seq, now, { kind: "comment", comment });
    return { ok: true, value: comment };
  }

  /**
   * `closeReports`: a denial decides a hidden comment's reports; a deletion (DELETE, or the
   * triage's `remove`, which closes them itself) leaves them to the triage, as for any comment.
   */
  deny(log: ChangeLog, target: string, actor: Actor, heldId: string, reason: string | undefined, now: number, closeReports = true): RoomResult<HeldResolution> {
    if (!this.deps.isModerator(actor)) return NOT_A_MODERATOR;
    const row = this.store.find(heldId);
    if (row === null) return notHeld(heldId);
    this.drop(log, target, row, now, "moderator", actor.userId);
    if (closeReports && row.published !== null) this.deps.sql.exec("DELETE FROM reports WHERE comment_id = ?", row.id);
    this.deps.logModeration(log, { moderatorId: actor.userId, action: "deny", at: now, userId: row.author_id, commentId: heldId, reason: reason || null, detail: whatHeld(row) });
    return { ok: true, value: { heldId, outcome: "denied", comment: null } };
  }

  /**
   * K distinct reporters hide a published comment until a moderator decides: it leaves every
   * page and count (viewers get a `comment_deleted`, the replay history drops its text) and
   * waits in the queue under its own id. A moderator's comment, one the archive may be taking,
   * and one already gone stay as they are. Answers whether it was hidden.
   */
  hideReported(log: ChangeLog, target: string, commentId: string, stays: (row: CommentRow) => boolean, now: number): boolean {
    const row = this.deps.comments.find(commentId);
    if (row === null || row.deleted_at !== null || row.author_id === null || stays(row)) return false;
    this.deps.comments.withdraw(row);
    const held: HeldRow = {
      id: row.id,
      author_id: row.author_id,
      author_name: row.author_name,
      text: row.text,
      mentions: row.mentions,
      reply_to: row.reply_to,
      created_at: row.created_at,
      held_at: now,
      held_for: "reports",
      published: JSON.stringify(row),
      edit_of: null,
    };
    this.store.insert(held);
    log.emit(this.deps.seq.next(), now, { kind: "comment_deleted", id: row.id, replyTo: row.reply_to });
    if (this.deps.meta.get("pinned") === row.id) {
      this.deps.meta.delete("pinned");
      log.emit(this.deps.seq.next(), now, { kind: "pin", comment: null });
    }
    log.emit(this.deps.seq.next(), now, { kind: "held", comment: toHeldComment(target, held) }, { user: row.author_id });
    // Whoever reconnects with `since` must not read it either.
    redactRing(this.deps.sql, { commentIds: [row.id], authorId: null }, row.seq);
    return true;
  }

  /** The author withdraws their held comment; a moderator's deletion of one is a denial. */
  remove(log: ChangeLog, target: string, actor: Actor, heldId: string, now: number): RoomResult<{ id: string; deleted: true }> {
    const row = this.store.find(heldId);
    if (row === null) return notHeld(heldId);
    if (this.deps.isModerator(actor)) {
      const denied = this.deny(log, target, actor, heldId, undefined, now, false);
      if (!denied.ok) return denied;
    } else if (row.author_id === actor.userId) {
      this.drop(log, target, row, now, "author", actor.userId);
    } else {
      // Whoever is neither author nor moderator does not learn that it exists.
      return refuse(404, "comment_not_found", `no comment ${heldId} in this room`);
    }
    return { ok: true, value: { id: heldId, deleted: true } };
  }

  /** A published comment was deleted: its held edits have nothing left to change. */
  dropEditsOf(log: ChangeLog, target: string, commentId: string, now: number): void {
    this.dropAll(log, target, this.store.editsOf(commentId), now);
  }

  /** Held rows their author's later action superseded, dropped as withdrawn. */
  dropAll(log: ChangeLog, target: string, rows: readonly HeldRow[], now: number): void {
    for (const row of rows) this.drop(log, target, row, now, "author", null);
  }

  /** Erasure: the user's held comments (up to `before`, see forget-before.ts) go, as if denied; answers how many. */
  forget(log: ChangeLog, target: string, userId: string, now: number, before: number): number {
    const rows = this.store.byAuthor(userId).filter((row) => row.created_at <= before);
    for (const row of rows) this.drop(log, target, row, now, "erasure", null);
    return rows.length;
  }

  /**
   * Removes a held comment and tells its author (and the moderators). Its `held` events in the
   * replay history become this resolution, so its text is not replayed. A comment hidden by
   * reports had been published: its deletion is an event like any other's.
   */
  private drop(log: ChangeLog, target: string, row: HeldRow, now: number, by: "author" | "moderator" | "erasure", actorId: string | null): void {
    this.store.remove(row.id);
    const seq = this.deps.seq.next();
    if (row.published !== null) {
      this.deps.sql.exec("DELETE FROM comment_edits WHERE comment_id = ?", row.id);
      enqueueEvent(this.deps.sql, { eventId: crypto.randomUUID(), type: "comment_delete", target, userId: actorId, at: now, seq, commentId: row.id, by });
    }
    // A restricted author was shown it as published: its removal reads as a deletion. A
    // restricted author's edit just goes; only the moderators' queues hear of it (resolvedAudience).
    if (row.held_for === "restricted" && row.edit_of === null) log.emit(seq, now, { kind: "comment_deleted", id: row.id, replyTo: row.reply_to }, { user: row.author_id });
    else log.emit(seq, now, { kind: "held_resolved", heldId: row.id, outcome: "denied", comment: null }, resolvedAudience(row));
    redactRing(this.deps.sql, { commentIds: [row.id], authorId: null }, 0);
  }

  private view(target: string, id: string): Comment {
    const row = this.deps.comments.find(id);
    if (row === null) throw new Error(`comment ${id} was just published and is not there`);
    return toComment(target, row, this.deps.comments.reactionsOf([id]).get(id) ?? {});
  }
}

/**
 * Who hears a held comment's outcome: its author and the moderators; for a restricted
 * author's comment or edit, the moderators only. That author was shown it as published, and
 * any word of a decision would tell them it was not (docs/moderation.md "Restrictions").
 */
function resolvedAudience(row: HeldRow): Audience {
  return row.held_for === "restricted" ? "moderators" : { user: row.author_id };
}

/** A new comment (or edit) kept back, under an id of its own made now. */
function newHeldRow(draft: HeldDraft, heldFor: HeldFor, editOf: string | null, seq: number, now: number): HeldRow {
  return {
    id: newCommentId(now, seq),
    author_id: draft.authorId,
    author_name: draft.authorName,
    text: draft.text,
    mentions: draft.mentions,
    reply_to: draft.replyTo,
    created_at: now,
    held_at: now,
    held_for: heldFor,
    published: null,
    edit_of: editOf,
  };
}

/**
 * What a restricted author (and the moderators, live) see of a shadowed comment: an ordinary
 * comment. A shadowed row keeps no seq, but its id was made with the seq its `comment` event had.
 */
export function shadowView(target: string, row: HeldRow): Comment {
  const { held: _held, heldFor: _heldFor, ...rest } = toHeldComment(target, row);
  return { ...rest, seq: seqOfCommentId(row.id), reactions: {}, replies: 0, highlighted: false, deleted: false };
}

/** The mod log's `detail` of a decision: what held it, and whether it was an edit. */
function whatHeld(row: HeldRow): string {
  return row.edit_of === null ? row.held_for : `edit, ${row.held_for}`;
}
