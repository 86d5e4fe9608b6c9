import { z } from "zod";
import { HeldComment, type HeldFor } from "../../protocol/held";
import { Comment, type CommentEdits, type CreateCommentInput, type RoomCommentsPage } from "../../protocol/comments";
import type { Actor } from "../../protocol/actor";
import type { RoomError, RoomResult } from "../../protocol/internal/room-rpc";
import type { ChangeLog } from "../write-path/change-log";
import { idempotencyScope, type IdempotencyStore } from "../idempotency";
import { enqueueEvent } from "../outbox";
import { refuse, type Refusal } from "../refusal";
import type { RoomMeta } from "../room-meta";
import { redactRing } from "../ring-redaction";
import type { RoomSeq } from "../room-seq";
import type { SettingsStore } from "../moderation/settings-store";
import type { ModLogRecord } from "../moderation/mod-log";
import { newCommentId } from "./comment-id";
import { markCommentForBinding } from "../reactions/comment-bindings";
import { normaliseText } from "../../protocol/text";
import { parseMentions } from "./comment-text";
import { CommentStore, toComment, type CommentRow } from "./comment-store";
import { editClosed, MAX_EDITS, revisionsOf } from "./comment-edits";
import { ARCHIVE_PAGE_COMMENTS, type CommentArchive } from "./comment-archive";
import { HeldComments } from "./held-comments";

/**
 * The decisions comments need from moderation (durable-objects/moderation/): who may post,
 * what text is acceptable, who may act on others' comments.
 */
export interface CommentGate {
  checkComment(actor: Actor, now: number): RoomError | null;
  /** Before an edit: as checkComment without slow mode. */
  checkEdit(actor: Actor, now: number): RoomError | null;
  filterText(text: string): { ok: true; text: string } | { ok: false; error: RoomError };
  isRepeat(authorId: string, text: string, now: number): boolean;
  /** Emote-only, unique chat and the newcomer wait, on the text as it will be stored. */
  checkChatModes(actor: Actor, text: string, now: number): RoomError | null;
  isModerator(actor: Actor): boolean;
  /** A moderator's action on a comment, for the mod log (and its live event); called inside the write transaction. */
  logModeration(log: ChangeLog, entry: ModLogRecord): void;
  /** Why a new comment waits for review (moderation/hold-rules.ts), or null to publish it. */
  holdFor(actor: Actor, text: string, now: number): HeldFor | null;
  /** Whether the author's new comments are shadow-hidden (moderation/restrictions.ts); never a moderator. */
  isRestricted(actor: Actor): boolean;
  /** The room's publish delay (settings `publishDelaySeconds`), in ms. */
  publishDelayMs(): number;
  /** Whether this user moderates the room (by id: a reported comment's author is no actor here). */
  isModeratorId(userId: string): boolean;
}

/** What a new comment's Idempotency-Key remembers: the comment, or its held answer. */
const CreateAnswer = z.union([HeldComment, Comment]);

/** Recency decay of the top list: a comment's reactions count less as it ages (HN-style gravity). */
const TOP_GRAVITY = 1.5;
const TOP_OFFSET_HOURS = 2;

export function topScore(reactions: number, ageMs: number): number {
  return reactions / Math.pow(Math.max(0, ageMs) / 3_600_000 + TOP_OFFSET_HOURS, TOP_GRAVITY);
}

const notFound = (id: string): RoomError => ({ status: 404, code: "comment_not_found", message: `no comment ${id} in this room` });

/** Creating, listing, deleting, pinning and highlighting the comments of one room. */
export class RoomComments {
  readonly store: CommentStore;
  /** The review queue (held-comments.ts). */
  readonly held: HeldComments;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
    private readonly seq: RoomSeq,
    private readonly settings: SettingsStore,
    private readonly gate: CommentGate,
    readonly archive: CommentArchive,
    /** The room's one store (write-path/write-path.ts). */
    private readonly idempotency: IdempotencyStore,
  ) {
    this.store = new CommentStore(sql, meta);
    this.held = new HeldComments({
      sql,
      meta,
      seq,
      comments: this.store,
      isModerator: (actor) => gate.isModerator(actor),
      logModeration: (log, entry) => gate.logModeration(log, entry),
      archivedThrough: () => archive.archivedThrough(),
      applyEdit: (log, target, commentId, text, mentions, now, retain) => this.applyHeldEdit(log, target, commentId, text, mentions, now, retain),
      publishDelayMs: () => gate.publishDelayMs(),
    });
  }

  /** A comment, or (202) its held answer when a hold rule keeps it for review. */
  create(log: ChangeLog, input: CreateCommentInput, now: number): RoomResult<Comment | HeldComment> {
    const { target, actor } = input;
    // One normaliser for what is stored, its length, its emptiness and (through matchKey)
    // the filter and the repeat check, so no check sees other text than the one kept.
    const normalised = normaliseText(input.text);
    if (!normalised.ok) return { ok: false, error: { status: 400, code: normalised.code, message: normalised.message } };
    const text = normalised.text;
    const scope = input.idempotencyKey === undefined ? null : idempotencyScope(actor.userId, input.idempotencyKey, "comment");
    const fingerprint = JSON.stringify([input.replyTo ?? null, text]);
    if (scope !== null) {
      const previous = this.idempotency.lookup(scope, fingerprint, CreateAnswer);
      if (previous.kind === "hit") return { ok: true, value: previous.result };
      if (previous.kind === "conflict") {
        return { ok: false, error: { status: 422, code: "idempotency_conflict", message: "Idempotency-Key was first used for another comment" } };
      }
    }

    const filtered = this.screen(input.text, normalised, () => this.gate.checkComment(actor, now));
    if (!filtered.ok) return filtered;
    if (this.gate.isRepeat(actor.userId, filtered.text, now)) {
      return { ok: false, error: { status: 422, code: "duplicate_comment", message: "the same comment was just posted; wait before repeating it" } };
    }
    const mode = this.gate.checkChatModes(actor, filtered.text, now);
    if (mode) return { ok: false, error: mode };

    let root: string | null = null;
    if (input.replyTo !== undefined) {
      const parent = this.store.find(input.replyTo);
      if (parent === null || parent.deleted_at !== null) return { ok: false, error: notFound(input.replyTo) };
      // Replies are one level deep: a reply to a reply joins its root's thread.
      root = parent.reply_to ?? parent.id;
    }

    if (this.gate.isRestricted(actor)) {
      const draft = { authorId: actor.userId, authorName: actor.name, text: filtered.text, mentions: JSON.stringify(parseMentions(filtered.text)), replyTo: root };
      const shadowed = this.held.shadow(log, target, draft, now);
      if (scope !== null) {
        this.idempotency.remember(scope, fingerprint, shadowed);
        log.rememberedIdempotencyKey();
      }
      return { ok: true, value: shadowed };
    }

    const heldFor = this.gate.holdFor(actor, filtered.text, now);
    if (heldFor !== null) {
      const draft = { authorId: actor.userId, authorName: actor.name, text: filtered.text, mentions: JSON.stringify(parseMentions(filtered.text)), replyTo: root };
      const held = this.held.hold(log, target, draft, heldFor, now);
      if (held.ok && scope !== null) {
        this.idempotency.remember(scope, fingerprint, held.value);
        log.rememberedIdempotencyKey();
      }
      return held;
    }

    const seq = this.seq.next();
    const row: CommentRow = {
      id: newCommentId(now, seq),
      seq,
      author_id: actor.userId,
      author_name: actor.name,
      text: filtered.text,
      mentions: JSON.stringify(parseMentions(filtered.text)),
      reply_to: root,
      created_at: now,
      deleted_at: null,
      highlighted: 0,
      replies: 0,
    };
    this.store.insert(row);
    markCommentForBinding(this.sql, row.id);
    const comment = toComment(target, row, {});
    enqueueEvent(this.sql, {
      eventId: crypto.randomUUID(),
      type: "comment_create",
      target,
      userId: actor.userId,
      at: now,
      seq,
      commentId: row.id,
      replyTo: root,
    });
    log.emit(seq, now, { kind: "comment", comment });
    if (scope !== null) {
      this.idempotency.remember(scope, fingerprint, comment);
      log.rememberedIdempotencyKey();
    }
    return { ok: true, value: comment };
  }

  /**
   * What a new comment and an edit both pass, in this order: not empty or invisible, not over
   * the room's length, `admit` (the policy: comments off, bans, limits), then the filter.
   */
  private screen(raw: string, normalised: { text: string; visible: boolean; length: number }, admit: () => RoomError | null): { ok: true; text: string } | { ok: false; error: RoomError } {
    const settings = this.settings.read();
    if (!normalised.visible) {
      // Plain whitespace is an empty comment as before; anything else was trying not to show.
      if (raw.trim() === "") return invalid("comment text is empty");
      return { ok: false, error: { status: 400, code: "text_invisible", message: "comment text has no visible characters" } };
    }
    if (normalised.length > settings.maxCommentLength) return invalid(`comment text is over ${settings.maxCommentLength} characters`);
    const refused = admit();
    if (refused) return { ok: false, error: refused };
    return this.gate.filterText(normalised.text);
  }

  /**
   * The author replaces a comment's text (docs/comments.md#edits): within the room's edit
   * window, while the comment is in the room's window (never once it could be archived), not
   * after a moderator pinned or highlighted it, at most MAX_EDITS times. The edit passes every
   * check a new comment passes except slow mode; the superseded text is kept for the author and
   * moderators, and every quote of the comment in the replay history now shows the new text.
   */
  edit(log: ChangeLog, target: string, actor: Actor, id: string, raw: string, now: number, retain: number): RoomResult<Comment | HeldComment> {
    const row = this.store.find(id);
    if (row === null || row.deleted_at !== null) return this.editShadowed(log, target, actor, id, raw, now);
    if (row.author_id !== actor.userId) return forbidden("only the author can edit a comment");
    const edits = this.store.editCount(id);
    const closed =
      editClosed(row, this.settings.read().editWindowMinutes, this.meta.get("pinned") === id, edits, now) ??
      (this.archivable(row.id, retain) ? { status: 409 as const, code: "edit_closed", message: "this comment is on its way to the archive; it can no longer be edited" } : null);
    if (closed) return { ok: false, error: closed };
    const normalised = normaliseText(raw);
    if (!normalised.ok) return { ok: false, error: { status: 400, code: normalised.code, message: normalised.message } };
    const filtered = this.screen(raw, normalised, () => this.gate.checkEdit(actor, now));
    if (!filtered.ok) return filtered;
    const restricted = this.gate.isRestricted(actor);
    // The same text again changes nothing: no version, no event. (A restricted author with an
    // edit waiting was shown that edit's text: going back to the published one is an edit to them.)
    const shadowWaiting = restricted && this.held.store.editsOf(id).some((edit) => edit.held_for === "restricted");
    if (filtered.text === row.text && !shadowWaiting) return { ok: true, value: this.view(target, row) };
    const mode = this.gate.checkChatModes(actor, filtered.text, now);
    if (mode) return { ok: false, error: mode };
    const mentions = JSON.stringify(parseMentions(filtered.text));
    const draft = { authorId: actor.userId, authorName: actor.name, text: filtered.text, mentions, replyTo: row.reply_to, editOf: id };
    // A restricted author's edit is shown to them (and the moderators) only, as published (held-comments.ts shadowEdit).
    if (restricted) return { ok: true, value: this.held.shadowEdit(log, draft, this.view(target, { ...row, text: filtered.text, mentions, edited_at: now }), now) };
    // Their shadowed edit, if the restriction was lifted meanwhile, is superseded by this one.
    const shadowed = this.held.store.editsOf(id).filter((edit) => edit.held_for === "restricted");
    // An edit may be held like a new comment: viewers keep the current text until a moderator approves.
    const heldFor = this.gate.holdFor(actor, filtered.text, now);
    if (heldFor !== null) {
      if (this.held.store.editsOf(id).length > shadowed.length) return { ok: false, error: { status: 409, code: "edit_pending", message: "an earlier edit of this comment is waiting for a moderator" } };
      this.held.dropAll(log, target, shadowed, now);
      return this.held.hold(log, target, draft, heldFor, now);
    }
    this.held.dropAll(log, target, shadowed, now);
    return { ok: true, value: this.replaceText(log, target, row, edits, filtered.text, mentions, now) };
  }

  /**
   * An edit of a comment that is not in the window: a restricted author's own shadowed comment
   * is edited as if published (held-comments.ts shadowEdit); for anything else, and anyone
   * else, there is no such comment. Passes the same checks as any edit, in the same order;
   * keeps no versions (nobody else ever saw one).
   */
  private editShadowed(log: ChangeLog, target: string, actor: Actor, id: string, raw: string, now: number): RoomResult<Comment> {
    const row = this.held.store.find(id);
    if (row === null || row.held_for !== "restricted" || row.edit_of !== null || row.author_id !== actor.userId) return { ok: false, error: notFound(id) };
    const closed = editClosed({ created_at: row.created_at, highlighted: 0 }, this.settings.read().editWindowMinutes, false, 0, now);
    if (closed) return { ok: false, error: closed };
    const normalised = normaliseText(raw);
    if (!normalised.ok) return { ok: false, error: { status: 400, code: normalised.code, message: normalised.message } };
    const filtered = this.screen(raw, normalised, () => this.gate.checkEdit(actor, now));
    if (!filtered.ok) return filtered;
    const mode = this.gate.checkChatModes(actor, filtered.text, now);
    if (mode) return { ok: false, error: mode };
    const mentions = JSON.stringify(parseMentions(filtered.text));
    const draft = { authorId: row.author_id, authorName: row.author_name, text: filtered.text, mentions, replyTo: row.reply_to };
    return { ok: true, value: this.held.shadowEdit(log, draft, this.held.shadowedView(target, row, filtered.text, mentions, now), now, row) };
  }

  /** Stores an edit (the old text as a version), tells viewers and rewrites the history's quotes. */
  private replaceText(log: ChangeLog, target: string, row: CommentRow, edits: number, text: string, mentions: string, now: number): Comment {
    this.store.replaceText(row, edits + 1, text, mentions, now);
    const seq = this.seq.next();
    const comment = this.view(target, { ...row, text, mentions, edited_at: now });
    enqueueEvent(this.sql, { eventId: crypto.randomUUID(), type: "comment_edit", target, userId: row.author_id, at: now, seq, commentId: row.id });
    // Viewers replace the comment in place: same id, same comment seq, the new text.
    log.emit(seq, now, { kind: "comment", comment });
    redactRing(this.sql, { commentIds: [], authorId: null, revisions: revisionsOf([comment]) }, row.seq);
    return comment;
  }

  /**
   * A moderator approved a held edit: it lands unless the comment is gone, on its way to the
   * archive, or out of versions. The edit window is not asked again: the author edited in time.
   */
  private applyHeldEdit(log: ChangeLog, target: string, id: string, text: string, mentions: string, now: number, retain: number): RoomResult<Comment> {
    const row = this.store.find(id);
    if (row === null || row.deleted_at !== null) return { ok: false, error: notFound(id) };
    if (this.archivable(id, retain)) return { ok: false, error: { status: 409, code: "edit_closed", message: "this comment is on its way to the archive; it can no longer be edited" } };
    const edits = this.store.editCount(id);
    if (edits >= MAX_EDITS) return { ok: false, error: { status: 409, code: "edit_limit", message: `a comment can be edited at most ${MAX_EDITS} times` } };
    if (text === row.text) return { ok: true, value: this.view(target, row) };
    return { ok: true, value: this.replaceText(log, target, row, edits, text, mentions, now) };
  }

  /**
   * Whether the archive may be taking this comment right now: comment-archive.ts writes the
   * oldest page of the window to R2 once the window holds a page beyond `retain`, and an edit
   * must never land while its page is being written. Both conditions only grow truer until the
   * page is written (comments only gain newer neighbours; deleted ones stay as tombstones), so
   * one that held when the archive chose its rows still holds during the write.
   */
  private archivable(id: string, retain: number): boolean {
    const held = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comments").one().n;
    if (held - retain < ARCHIVE_PAGE_COMMENTS) return false;
    const older = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM (SELECT 1 FROM comments WHERE id < ? LIMIT ?)", id, ARCHIVE_PAGE_COMMENTS).one().n;
    return older < ARCHIVE_PAGE_COMMENTS;
  }

  /** K reports hide it (held-comments.ts); not a moderator's comment, nor one the archive may be taking. */
  hideReported(log: ChangeLog, target: string, commentId: string, retain: number, now: number): boolean {
    // A reply whose root is archived stays too: its root's reply count lives in the archive's overlay.
    const stays = (row: CommentRow) =>
      row.author_id === null ||
      this.gate.isModeratorId(row.author_id) ||
      this.archivable(row.id, retain) ||
      (row.reply_to !== null && this.store.find(row.reply_to) === null);
    return this.held.hideReported(log, target, commentId, stays, now);
  }

  /** The superseded versions, for the author and moderators. */
  edits(target: string, actor: Actor, id: string): RoomResult<CommentEdits> {
    const row = this.store.find(id);
    if (row === null || row.deleted_at !== null) return { ok: false, error: notFound(id) };
    if (row.author_id !== actor.userId && !this.gate.isModerator(actor)) return forbidden("only the author and moderators can read a comment's edits");
    return { ok: true, value: { comment: this.view(target, row), versions: this.store.edits(id).map((v) => ({ version: v.version, text: v.text, supersededAt: new Date(v.supersededAt).toISOString() })) } };
  }

  /** Authors delete their own comments; moderators delete any. */
  remove(log: ChangeLog, target: string, actor: Actor, id: string, now: number): RoomResult<{ id: string; deleted: true }> {
    const row = this.store.find(id);
    if (row === null || row.deleted_at !== null) return { ok: false, error: notFound(id) };
    const byAuthor = row.author_id === actor.userId;
    if (!byAuthor && !this.gate.isModerator(actor)) {
      return { ok: false, error: { status: 403, code: "forbidden", message: "only the author or a moderator can delete this comment" } };
    }
    this.tombstone(log, target, row, actor.userId, byAuthor ? "author" : "moderator", now);
    if (!byAuthor) this.gate.logModeration(log, { moderatorId: actor.userId, action: "comment_delete", at: now, userId: row.author_id, commentId: row.id });
    // A deleted comment can no longer be read through a replay either (the relays are told by the room).
    redactRing(this.sql, { commentIds: [row.id], authorId: null }, row.seq);
    return { ok: true, value: { id, deleted: true } };
  }

  /**
   * Deletes a comment that lives in R2 only (`archived` read by the caller before its
   * transaction): the room's overlay marks it, and every read of its page applies that.
   */
  removeArchived(log: ChangeLog, target: string, actor: Actor, archived: { page: number; row: CommentRow }, now: number): RoomResult<{ id: string; deleted: true }> {
    const row = this.archive.current(archived.page, archived.row);
    if (row.deleted_at !== null) return { ok: false, error: notFound(row.id) };
    const byAuthor = row.author_id === actor.userId;
    if (!byAuthor && !this.gate.isModerator(actor)) {
      return { ok: false, error: { status: 403, code: "forbidden", message: "only the author or a moderator can delete this comment" } };
    }
    this.tombstoneArchived(log, target, archived.page, row, actor.userId, byAuthor ? "author" : "moderator", now);
    if (!byAuthor) this.gate.logModeration(log, { moderatorId: actor.userId, action: "comment_delete", at: now, userId: row.author_id, commentId: row.id });
    redactRing(this.sql, { commentIds: [row.id], authorId: null }, row.seq);
    return { ok: true, value: { id: row.id, deleted: true } };
  }

  highlight(log: ChangeLog, target: string, actor: Actor, id: string, highlighted: boolean, now: number): RoomResult<Comment> {
    if (!this.gate.isModerator(actor)) return forbidden("only moderators can highlight comments");
    const row = this.store.find(id);
    if (row === null || row.deleted_at !== null) return { ok: false, error: notFound(id) };
    if ((row.highlighted === 1) !== highlighted) {
      const seq = this.seq.next();
      this.store.setHighlighted(id, highlighted);
      log.emit(seq, now, { kind: "comment_highlight", id, highlighted });
      this.moderationEvent(target, actor, highlighted ? "highlight" : "unhighlight", seq, now);
      this.gate.logModeration(log, { moderatorId: actor.userId, action: highlighted ? "highlight" : "unhighlight", at: now, userId: row.author_id, commentId: id });
    }
    return { ok: true, value: this.view(target, { ...row, highlighted: highlighted ? 1 : 0 }) };
  }

  /** One pinned comment per room; `id` null unpins. */
  pin(log: ChangeLog, target: string, actor: Actor, id: string | null, now: number): RoomResult<Comment | null> {
    if (!this.gate.isModerator(actor)) return forbidden("only moderators can pin comments");
    let pinned: Comment | null = null;
    let author: string | null = null;
    if (id !== null) {
      const row = this.store.find(id);
      if (row === null || row.deleted_at !== null) return { ok: false, error: notFound(id) };
      pinned = this.view(target, row);
      author = row.author_id;
    }
    const current = this.meta.get("pinned") ?? null;
    if (current !== id) {
      if (id === null) this.meta.delete("pinned");
      else this.meta.set("pinned", id);
      const seq = this.seq.next();
      log.emit(seq, now, { kind: "pin", comment: pinned });
      this.moderationEvent(target, actor, id === null ? "unpin" : "pin", seq, now);
      this.gate.logModeration(log, { moderatorId: actor.userId, action: id === null ? "unpin" : "pin", at: now, userId: author, commentId: id ?? current });
    }
    return { ok: true, value: pinned };
  }

  pinned(target: string): Comment | null {
    const id = this.meta.get("pinned");
    if (id === undefined) return null;
    const row = this.store.find(id);
    return row === null || row.deleted_at !== null ? null : this.view(target, row);
  }

  get(target: string, id: string): Comment | null {
    const row = this.store.find(id);
    return row === null || row.deleted_at !== null ? null : this.view(target, row);
  }

  /** The window first; when it runs out before the page fills, the archive continues below it. */
  async page(target: string, options: { before: string | null; limit: number; replyTo: string | null }): Promise<RoomCommentsPage> {
    const rows = this.store.page(options);
    if (rows.length < options.limit) rows.push(...(await this.archive.page(target, { ...options, limit: options.limit - rows.length })));
    // Reactions to archived comments stay in the room, so they are counted here, not in R2.
    const reactions = this.store.reactionsOf(rows.map((row) => row.id));
    return { items: rows.map((row) => toComment(target, row, reactions.get(row.id) ?? {})) };
  }

  /** Most reacted comments, discounted by age so a new popular comment can pass an old one. */
  top(target: string, limit: number, now: number): (Comment & { score: number })[] {
    const scored = this.store.reacted().map((row) => ({ row, score: topScore(row.total, now - row.created_at) }));
    scored.sort((a, b) => b.score - a.score || (a.row.id < b.row.id ? 1 : -1));
    const chosen = scored.slice(0, limit);
    const reactions = this.store.reactionsOf(chosen.map(({ row }) => row.id));
    return chosen.map(({ row, score }) => ({ ...toComment(target, row, reactions.get(row.id) ?? {}), score }));
  }

  /**
   * A user asked to be forgotten: every comment of theirs (pass the archived ones, read from
   * R2 through the author index, in `archived`) becomes an anonymous tombstone, and the replay
   * ring keeps a `comment_deleted` tombstone in place of each event that quoted them.
   */
  forget(log: ChangeLog, target: string, userId: string, archived: readonly { page: number; row: CommentRow }[], now: number, before: number = Number.MAX_SAFE_INTEGER): number {
    const rows = this.store.byAuthor(userId).filter((row) => row.created_at <= before);
    for (const row of rows) this.tombstone(log, target, row, null, "erasure", now, true);
    // A returning user's later comments are not erased (`before`, a deletion's late events);
    // the author index then still names them, for the next erasure.
    let kept = false;
    for (const entry of archived) {
      const row = this.archive.current(entry.page, entry.row);
      if (row.author_id !== userId) continue;
      if (row.created_at > before) {
        kept = true;
        continue;
      }
      rows.push(row);
      this.tombstoneArchived(log, target, entry.page, row, null, "erasure", now);
    }
    if (!kept) this.archive.forgetAuthor(userId);
    this.held.forget(log, target, userId, now, before);
    const from = rows.reduce((lowest, row) => Math.min(lowest, row.seq), Number.MAX_SAFE_INTEGER);
    // The author id also catches a quoted comment whose row is gone from the room and D1 alike.
    redactRing(this.sql, { commentIds: rows.map((row) => row.id), authorId: userId }, rows.length === 0 ? 0 : from);
    return rows.length;
  }

  private tombstone(
    log: ChangeLog,
    target: string,
    row: CommentRow,
    actorId: string | null,
    by: "author" | "moderator" | "erasure",
    now: number,
    erase = false,
  ): void {
    const wasVisible = row.deleted_at === null;
    const seq = this.seq.next();
    this.store.tombstone(row, now, erase);
    this.held.dropEditsOf(log, target, row.id, now);
    if (wasVisible && row.reply_to !== null && this.store.find(row.reply_to) === null) this.archive.addReplies(row.reply_to, -1, seq);
    this.announceTombstone(log, target, row, actorId, by, wasVisible, seq, now);
  }

  /** The overlay's version of `tombstone`, for a comment whose row is in R2 only. */
  private tombstoneArchived(
    log: ChangeLog,
    target: string,
    page: number,
    row: CommentRow,
    actorId: string | null,
    by: "author" | "moderator" | "erasure",
    now: number,
  ): void {
    const wasVisible = row.deleted_at === null;
    const seq = this.seq.next();
    this.archive.markDeleted(page, row.id, now, seq);
    if (wasVisible) {
      this.store.addVisible(-1);
      // A reply is younger than its root, so the root of an archived reply is archived too.
      if (row.reply_to !== null) this.archive.addReplies(row.reply_to, -1, seq);
    }
    this.announceTombstone(log, target, row, actorId, by, wasVisible, seq, now);
  }

  private announceTombstone(
    log: ChangeLog,
    target: string,
    row: CommentRow,
    actorId: string | null,
    by: "author" | "moderator" | "erasure",
    wasVisible: boolean,
    seq: number,
    now: number,
  ): void {
    enqueueEvent(this.sql, { eventId: crypto.randomUUID(), type: "comment_delete", target, userId: actorId, at: now, seq, commentId: row.id, by });
    if (wasVisible) log.emit(seq, now, { kind: "comment_deleted", id: row.id, replyTo: row.reply_to });
    else log.touch();
    if (this.meta.get("pinned") === row.id) {
      this.meta.delete("pinned");
      const pinSeq = this.seq.next();
      log.emit(pinSeq, now, { kind: "pin", comment: null });
    }
  }

  private moderationEvent(target: string, actor: Actor, action: string, seq: number, now: number): void {
    enqueueEvent(this.sql, { eventId: crypto.randomUUID(), type: "moderation", target, userId: actor.userId, at: now, seq, action });
  }

  private view(target: string, row: CommentRow): Comment {
    return toComment(target, row, this.store.reactionsOf([row.id]).get(row.id) ?? {});
  }
}

function invalid(message: string): Refusal {
  return refuse(400, "invalid_request", message);
}

function forbidden(message: string): Refusal {
  return refuse(403, "forbidden", message);
}
