import { logEvent } from "../../platform/log";
import { roomFor } from "../../platform/rooms";
import { ImportArchivedCommentsInput, type ImportArchivedCommentsResult } from "../../protocol/comment-backfill";
import {
  CommentActionInput,
  CommentLookupInput,
  CreateCommentInput,
  HighlightInput,
  EditCommentInput,
  type CommentEdits,
  ListCommentsInput,
  PinInput,
  TopCommentsInput,
  type Comment,
  type RoomCommentsPage,
} from "../../protocol/comments";
import type { RoomResult } from "../../protocol/internal/room-rpc";
import { DecideHeldInput, ListHeldInput, type HeldComment, type HeldPage, type HeldResolution } from "../../protocol/held";
import type { AlarmJobRunner } from "../alarm-jobs";
import { LegacyComments } from "../comments/legacy-comments";
import { bindPendingComments, COMMENT_BINDINGS_JOB, scheduleCommentBindings } from "../reactions/comment-bindings";
import { forModeratorsOnly, noSuchComment, NOT_A_MODERATOR, UNWRITTEN_COMMENTS } from "../unwritten-room";
import { refuse, type Refusal } from "../refusal";
import { ADMIN_ROLE, type Actor } from "../../protocol/actor";
import type { RoomCore } from "./room-core";
import type { ChangeLog } from "../write-path/change-log";
import { revisionsOf } from "../comments/comment-edits";

/** Comments a room keeps in its own storage; older pages are in R2 (comments/comment-archive.ts). */
const DEFAULT_COMMENT_RETENTION = 5_000;
/** Soon after a write, so a burst of comments leaves in full pages. */
const COMMENT_ARCHIVE_DELAY_MS = 500;
const COMMENT_ARCHIVE_PAGES_PER_RUN = 10;
export const COMMENT_ARCHIVE_JOB = "comment-archive";
/** Publishes comments held by the room's publish delay (comments/held-comments.ts releaseDue). */
export const PUBLISH_DELAY_JOB = "publish-delay";

/** TargetRoom's comment methods (durable-objects/comments/ holds what they stand on). */
export class CommentRpc {
  constructor(private readonly core: RoomCore) {}

  /** The jobs this corridor adds to the room's alarm (room/room-jobs.ts). */
  jobs(): Record<string, AlarmJobRunner> {
    return { [COMMENT_BINDINGS_JOB]: () => this.bindPending(), [COMMENT_ARCHIVE_JOB]: () => this.runArchive(), [PUBLISH_DELAY_JOB]: () => this.releaseDelayed() };
  }

  async create(input: CreateCommentInput): Promise<RoomResult<Comment | HeldComment>> {
    return this.post(this.core.input(CreateCommentInput, input));
  }

  /** A comment from REST or a socket frame, as its verified author; held for review when a hold rule says so. */
  async post(input: CreateCommentInput): Promise<RoomResult<Comment | HeldComment>> {
    const { core } = this;
    const replay = core.isReplay(input.actor.userId, input.idempotencyKey, "comment");
    const refusal = (await core.admitWriter(input.actor.userId, replay)) ?? (replay ? null : await core.erasedBan(input.actor.userId));
    if (refusal !== null) return { ok: false, error: refusal };
    const parts = core.parts();
    await parts.moderation.prepareRestriction(input.actor.userId);
    const result = await parts.writes.commit((log) => parts.comments.create(log, input, Date.now()), input.requestId);
    // The comment's own room (comment:<id>) learns where its reactions live before the
    // author hears back, so a reaction right after the answer finds it; the alarm job retries
    // whatever this attempt could not bind.
    if (result.ok && !("held" in result.value)) await this.published();
    if (result.ok) await this.scheduleRelease(result.value);
    return result;
  }

  /** A comment held by the publish delay: the room publishes it by itself at its time. */
  private async scheduleRelease(answer: Comment | HeldComment): Promise<void> {
    if ("held" in answer && answer.releaseAt !== undefined) await this.core.jobs.schedule(PUBLISH_DELAY_JOB, Date.parse(answer.releaseAt));
  }

  /** Publishes the delayed comments whose time came; answers when the next one is due. */
  private async releaseDelayed(): Promise<number | null> {
    const target = this.core.targetOrNull;
    if (target === null) return null;
    const parts = this.core.parts();
    const published = await parts.writes.commit((log) => parts.comments.held.releaseDue(log, target, Date.now(), this.retention()));
    if (published.length > 0) {
      // A delayed edit rewrote the comment's quotes in the room's history; the relays' copies follow.
      parts.relays.redact({ commentIds: [], authorId: null, revisions: revisionsOf(published) });
      await this.published();
    }
    return parts.comments.held.store.nextRelease();
  }

  /** After a comment entered the window: bind its reactions' room, and let the archive look. */
  private async published(): Promise<void> {
    const retryAt = await this.bindPending().catch(() => Date.now());
    if (retryAt !== null) await scheduleCommentBindings(this.core.jobs, retryAt);
    await this.scheduleArchive(Date.now() + COMMENT_ARCHIVE_DELAY_MS);
  }

  /** The review queue, oldest first (moderators). */
  async listHeld(input: ListHeldInput): Promise<RoomResult<HeldPage>> {
    const { target, actor, before, limit } = this.core.input(ListHeldInput, input);
    const parts = this.core.read;
    if (parts === null) return forModeratorsOnly(actor, { items: [], next: null });
    return parts.comments.held.list(actor, target, before, limit);
  }

  /** Publishes a held comment to everyone (moderators). */
  async approve(input: DecideHeldInput): Promise<RoomResult<HeldResolution>> {
    const { target, actor, heldId, reason } = this.core.input(DecideHeldInput, input);
    const parts = this.core.read;
    if (parts === null) return noHeld(actor, heldId);
    const result = await parts.writes.commit((log) => parts.comments.held.approve(log, target, actor, heldId, reason, Date.now(), this.retention()));
    if (result.ok && result.value.comment !== null) {
      // An approved edit rewrote the comment's quotes in the room's history; the relays' copies
      // follow. A new comment approved has no older quote to rewrite.
      parts.relays.redact({ commentIds: [], authorId: null, revisions: revisionsOf([result.value.comment]) });
      await this.published();
    }
    return result;
  }

  /** Removes a held comment and tells its author (moderators). */
  async deny(input: DecideHeldInput): Promise<RoomResult<HeldResolution>> {
    const { target, actor, heldId, reason } = this.core.input(DecideHeldInput, input);
    const parts = this.core.read;
    if (parts === null) return noHeld(actor, heldId);
    const result = await parts.writes.commit((log) => parts.comments.held.deny(log, target, actor, heldId, reason, Date.now()));
    if (result.ok) parts.relays.redact({ commentIds: [heldId], authorId: null });
    return result;
  }

  /**
   * Runs the triage's resolution (`resolve`, moderation-rpc.ts) with the hook that brings back
   * a comment its reports hid when they are dismissed (held-comments.ts restoreReported); after
   * the commit, a comment that came back is bound and the archive looks, as after an approval.
   */
  async restoringHidden<T>(resolve: (restore: (parsed: { target: string; commentId: string }, log: ChangeLog, now: number) => RoomResult<unknown>) => Promise<T>): Promise<T> {
    let restored = false;
    const result = await resolve(({ target, commentId }, log, now) => {
      const answer = this.core.parts().comments.held.restoreReported(log, target, commentId, now, this.retention());
      if (answer.ok && answer.value !== null) restored = true;
      return answer;
    });
    // The hiding turned its quotes in every history into tombstones; its new `comment` event needs no redaction.
    if (restored) await this.published();
    return result;
  }

  /**
   * After a report: once the room's `hideAfterReports` distinct users reported the comment, it
   * leaves view for the review queue (comments/held-comments.ts). Its own transaction after the
   * report's; run again by the next report if this one failed.
   */
  async afterReport(target: string, commentId: string): Promise<void> {
    const parts = this.core.read;
    if (parts === null) return;
    const threshold = parts.settings.read().hideAfterReports;
    if (threshold === 0 || parts.moderation.reports.openCount(commentId) < threshold) return;
    const hidden = await parts.writes.commit((log) => parts.comments.hideReported(log, target, commentId, this.retention(), Date.now()));
    if (hidden) parts.relays.redact({ commentIds: [commentId], authorId: null });
  }

  async list(input: ListCommentsInput): Promise<RoomCommentsPage> {
    const { target, before, limit, replyTo } = this.core.input(ListCommentsInput, input);
    return this.core.read?.comments.page(target, { before, limit, replyTo }) ?? UNWRITTEN_COMMENTS;
  }

  /**
   * The legacy D1 comment backfill (workers/comment-archive-backfill.ts): one page of comments
   * older than anything the room holds goes into its archive. No comments: only `below`.
   */
  async importArchived(input: ImportArchivedCommentsInput): Promise<ImportArchivedCommentsResult> {
    const { target, comments } = this.core.input(ImportArchivedCommentsInput, input);
    if (!this.core.stored && comments.length === 0) return { imported: 0, pages: 0, below: null };
    const parts = this.core.parts();
    const result = await new LegacyComments(this.core.ctx.storage.sql, parts.comments.archive).importPage(target, comments);
    // Differences from an earlier attempt's object wait in the overlay for the page's next version.
    if (result.pages > 0) await this.scheduleArchive(Date.now() + COMMENT_ARCHIVE_DELAY_MS);
    return result;
  }

  async top(input: TopCommentsInput): Promise<(Comment & { score: number })[]> {
    const { target, limit } = this.core.input(TopCommentsInput, input);
    return this.core.read?.comments.top(target, limit, Date.now()) ?? [];
  }

  async get(input: { target: string; commentId: string }): Promise<Comment | null> {
    const { target, commentId } = this.core.input(CommentLookupInput, input);
    return this.core.read?.comments.get(target, commentId) ?? null;
  }

  async remove(input: CommentActionInput): Promise<RoomResult<{ id: string; deleted: true }>> {
    const { target, actor, commentId } = this.core.input(CommentActionInput, input);
    const parts = this.core.read;
    if (parts === null) return noSuchComment(actor, commentId, false);
    if (parts.comments.held.store.find(commentId) !== null) {
      const removed = await parts.writes.commit((log) => parts.comments.held.remove(log, target, actor, commentId, Date.now()));
      if (removed.ok) parts.relays.redact({ commentIds: [commentId], authorId: null });
      return removed;
    }
    // A comment old enough to live in R2 only is read before the transaction; the room's
    // overlay then marks it (comments/comment-archive.ts).
    const archived = parts.comments.store.find(commentId) === null ? await parts.comments.archive.find(target, commentId) : null;
    const removed = await parts.writes.commit((log) =>
      archived !== null
        ? parts.comments.removeArchived(log, target, actor, archived, Date.now())
        : parts.comments.remove(log, target, actor, commentId, Date.now()),
    );
    if (removed.ok) {
      parts.relays.redact({ commentIds: [commentId], authorId: null });
      if (archived !== null) await this.scheduleArchive(Date.now() + COMMENT_ARCHIVE_DELAY_MS);
    }
    return removed;
  }

  async highlight(input: HighlightInput): Promise<RoomResult<Comment>> {
    const { target, actor, commentId, highlighted } = this.core.input(HighlightInput, input);
    const parts = this.core.read;
    if (parts === null) return noSuchComment(actor, commentId, true);
    return parts.writes.commit((log) => parts.comments.highlight(log, target, actor, commentId, highlighted, Date.now()));
  }

  /** The author replaces the text (comments/comment-edits.ts); the relays' recent events quote the old text too. */
  async edit(input: EditCommentInput): Promise<RoomResult<Comment | HeldComment>> {
    const { target, actor, commentId, text, requestId } = this.core.input(EditCommentInput, input);
    const parts = this.core.read;
    if (parts === null) return noSuchComment(actor, commentId, false);
    await parts.moderation.prepareRestriction(actor.userId);
    const result = await parts.writes.commit((log) => parts.comments.edit(log, target, actor, commentId, text, Date.now(), this.retention()), requestId);
    if (result.ok && !("held" in result.value)) {
      // What the room stored, not the answer: a restricted author is answered with an edit
      // nobody else sees (held-comments.ts shadowEdit), which no relay's history may show.
      const stored = parts.comments.get(target, commentId);
      if (stored !== null && stored.editedAt !== undefined && stored.editedAt === result.value.editedAt) {
        parts.relays.redact({ commentIds: [], authorId: null, revisions: revisionsOf([stored]) });
      }
    }
    if (result.ok) await this.scheduleRelease(result.value);
    return result;
  }

  async edits(input: CommentActionInput): Promise<RoomResult<CommentEdits>> {
    const { target, actor, commentId } = this.core.input(CommentActionInput, input);
    const parts = this.core.read;
    if (parts === null) return noSuchComment(actor, commentId, false);
    return parts.comments.edits(target, actor, commentId);
  }

  async pin(input: PinInput): Promise<RoomResult<Comment | null>> {
    const { target, actor, commentId } = this.core.input(PinInput, input);
    const parts = this.core.read;
    if (parts === null) return commentId === null ? forModeratorsOnly(actor, null) : noSuchComment(actor, commentId, true);
    return parts.writes.commit((log) => parts.comments.pin(log, target, actor, commentId, Date.now()));
  }

  /** Erased comments are hidden by the overlay at once; the job rewrites their pages without them. */
  scheduleArchive(at: number): Promise<void> {
    return this.core.jobs.schedule(COMMENT_ARCHIVE_JOB, at);
  }

  private async bindPending(): Promise<number | null> {
    const parent = this.core.targetOrNull;
    if (parent === null) return null;
    const env = this.core.env;
    return bindPendingComments(
      this.core.ctx.storage.sql,
      parent,
      (input) => roomFor(env, input.target).bindParent(input),
      (commentId, message) => logEvent("comment_binding_refused", { target: parent, commentId, message }),
    );
  }

  /**
   * Moves full pages beyond the window to R2, then rewrites pages whose archived comments
   * changed. Throws when R2 does: the window keeps every comment until its page is recorded.
   */
  private async runArchive(): Promise<number | null> {
    const target = this.core.targetOrNull;
    if (target === null) return null;
    const { archive } = this.core.parts().comments;
    const retain = this.retention();
    let pages = 0;
    while (pages < COMMENT_ARCHIVE_PAGES_PER_RUN && (await archive.archiveOldest(target, retain))) pages++;
    const more = await archive.rewriteChanged(target);
    if (pages > 0) logEvent("comments_archived", { target, pages, through: archive.archivedThrough() });
    return more || pages === COMMENT_ARCHIVE_PAGES_PER_RUN ? Date.now() : null;
  }

  private retention(): number {
    const configured = Number(this.core.env.COMMENT_RETENTION);
    return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_COMMENT_RETENTION;
  }
}

/** A room never written holds no held comment: an admin hears 404, anyone else 403. */
function noHeld(actor: Actor, heldId: string): Refusal {
  return actor.roles.includes(ADMIN_ROLE) ? refuse(404, "held_not_found", `no held comment ${heldId} in this room`) : NOT_A_MODERATOR;
}
