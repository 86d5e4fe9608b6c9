import type { Comment } from "../../protocol/comments";
import type { EventFrame, HelloFrame } from "../../protocol/live";
import type { RoomSettings } from "../../protocol/moderation";
import type { LiveConnection } from "../live";
import { announce } from "./announcer";
import { describeError, type PageApi } from "./api";
import { CommentComposer } from "./comment-composer";
import { CommentItem, type CommentActions } from "./comment-item";
import { CommentModel } from "./comment-model";
import { h, plural, replaceChildren, setText } from "./dom";
import { idsToShow } from "../../protocol/display-name";

export interface CommentsContext {
  target: string;
  api: PageApi;
  live(): LiveConnection | null;
  userId(): string | null;
  canModerate(): boolean;
}

const PAGE_SIZE = 20;
const REPLIES_PAGE_SIZE = 50;

/**
 * The live comment list: composer, pinned comment, newest-first list with one level of
 * replies, and "Load older comments". Every change goes through CommentModel (deduped by id)
 * and is rendered by key, so nothing shows twice and focus stays where the user left it.
 */
export class CommentsView {
  readonly element: HTMLElement;
  private readonly model = new CommentModel();
  private readonly items = new Map<string, CommentItem>();
  private readonly list = h("ol", { class: "comment-list", "aria-label": "Comments", "data-testid": "comment-list" });
  private readonly heading = h("h2", { id: "comments-heading" }, "Comments");
  private readonly pinnedSlot = h("div", { class: "pinned", "data-testid": "pinned" });
  private readonly loadOlder: HTMLButtonElement;
  private readonly composer: CommentComposer;
  private readonly actions: CommentActions;
  private openReply: { parentId: string; composer: CommentComposer } | null = null;
  private visibleCount: number | null = null;
  /** The seq the count is exact at (hello); replayed events up to it are already in it. */
  private countSeq = -1;
  private settings: RoomSettings | null = null;
  private pinned: Comment | null = null;
  private loadGeneration = 0;
  /** Authors whose user id shows beside their name; recomputed whenever the page's comments change. */
  private shownIds = new Set<string>();

  constructor(private readonly ctx: CommentsContext) {
    this.composer = new CommentComposer("Write a comment", (text) => this.post(text), { testId: "composer" });
    this.loadOlder = h(
      "button",
      { type: "button", class: "load-older", hidden: true, "data-testid": "load-older", onclick: () => void this.loadOlderPage() },
      "Load older comments",
    );
    this.actions = {
      userId: () => ctx.userId(),
      canModerate: () => ctx.canModerate(),
      reply: (comment) => this.toggleReply(comment),
      showReplies: (comment) => void this.loadReplies(comment),
      remove: (comment) => void this.remove(comment),
      pin: (comment) => void this.pin(comment),
      ban: (comment) => void this.ban(comment),
    };
    this.element = h(
      "section",
      { class: "comments", "aria-labelledby": "comments-heading" },
      this.heading,
      this.pinnedSlot,
      this.composer.element,
      this.list,
      this.loadOlder,
    );
    this.refreshPermissions();
  }

  /** The newest page from REST: on first load and whenever the room says we must resync. */
  async reload(): Promise<void> {
    const generation = ++this.loadGeneration;
    this.model.beginReload();
    try {
      const page = await this.ctx.api.rest.comments(this.ctx.target, { limit: PAGE_SIZE });
      if (generation !== this.loadGeneration) return;
      this.model.replaceNewest(page.items, page.nextCursor);
      this.sync();
    } catch (error) {
      announce(`Could not load comments: ${describeError(error)}`);
    }
  }

  onHello(hello: HelloFrame): void {
    this.visibleCount = hello.comments;
    this.countSeq = hello.seq;
    this.setPinned(hello.pinned);
    this.applySettings(hello.settings);
    if (hello.resync) void this.reload();
    this.renderHeading();
  }

  /** Events arrive deduplicated by seq (target-page.ts), in seq order. */
  onEvent(frame: EventFrame): void {
    const event = frame.event;
    const moveCount = frame.seq > this.countSeq;
    switch (event.kind) {
      case "comment": {
        if (moveCount && this.visibleCount !== null && !this.model.isDeleted(event.comment.id)) this.visibleCount += 1;
        this.model.upsert(event.comment);
        this.sync();
        break;
      }
      case "comment_deleted": {
        if (moveCount && this.visibleCount !== null) this.visibleCount = Math.max(0, this.visibleCount - 1);
        this.model.remove(event.id, event.replyTo);
        if (this.pinned?.id === event.id) this.setPinned(null);
        this.sync();
        break;
      }
      case "comment_highlight":
        this.model.update(event.id, (c) => ({ ...c, highlighted: event.highlighted }));
        this.sync();
        break;
      case "pin":
        this.setPinned(event.comment);
        break;
      case "settings":
        this.applySettings(event.settings);
        break;
      case "reaction":
        if (event.commentId !== null) {
          this.model.update(event.commentId, (c) => ({ ...c, reactions: { ...c.reactions, [event.emoji]: event.count } }));
        }
        break;
      case "like":
      case "unlike":
        break;
      default: {
        const unknownEvent: never = event;
        throw new Error(`unhandled live event ${JSON.stringify(unknownEvent)}`);
      }
    }
    this.renderHeading();
  }

  /** Sign-in, sign-out or a role change: buttons and the composer follow. */
  refreshPermissions(): void {
    for (const item of this.items.values()) item.renderActions();
    this.renderPinned();
    this.renderComposerState();
    if (this.ctx.userId() === null && this.openReply !== null) this.closeReply();
  }

  private applySettings(settings: RoomSettings): void {
    const before = this.settings;
    this.settings = settings;
    this.renderComposerState();
    if (before !== null && before.commentsEnabled !== settings.commentsEnabled) {
      announce(settings.commentsEnabled ? "Comments are on" : "Comments are turned off");
    }
  }

  private renderComposerState(): void {
    const settings = this.settings;
    let reason: string | null = null;
    if (this.ctx.userId() === null) reason = "Sign in to comment.";
    else if (settings !== null && !settings.commentsEnabled) reason = "Comments are turned off.";
    this.composer.block(reason);
    this.openReply?.composer.block(reason);
    if (reason === null && settings !== null && settings.slowModeSeconds > 0) {
      this.composer.hint(`Slow mode: one comment every ${plural(settings.slowModeSeconds, "second", "seconds")}.`);
    } else if (reason === null) {
      this.composer.hint("");
    }
    this.element.dataset.commentsEnabled = String(settings?.commentsEnabled ?? true);
  }

  private async post(text: string, replyTo?: string): Promise<void> {
    const live = this.ctx.live();
    if (live === null) throw new Error("not connected");
    try {
      const comment = await live.comment(text, replyTo);
      // The ack carries the stored comment; its live event may come before or after: same id.
      this.model.upsert(comment);
      this.sync();
      announce(replyTo === undefined ? "Comment posted" : "Reply posted");
    } catch (error) {
      throw new Error(describeError(error));
    }
  }

  private async loadOlderPage(): Promise<void> {
    const cursor = this.model.nextCursor;
    if (cursor === null) return;
    this.loadOlder.disabled = true;
    try {
      const page = await this.ctx.api.rest.comments(this.ctx.target, { limit: PAGE_SIZE, before: cursor });
      const before = this.items.size;
      this.model.appendOlder(page.items, page.nextCursor);
      this.sync();
      announce(`Loaded ${plural(this.items.size - before, "older comment", "older comments")}`);
    } catch (error) {
      announce(`Could not load older comments: ${describeError(error)}`);
    } finally {
      this.loadOlder.disabled = false;
    }
  }

  private async loadReplies(comment: Comment): Promise<void> {
    try {
      const page = await this.ctx.api.rest.comments(this.ctx.target, { replyTo: comment.id, limit: REPLIES_PAGE_SIZE });
      this.model.setReplies(comment.id, page.items);
      this.sync();
    } catch (error) {
      announce(`Could not load replies: ${describeError(error)}`);
    }
  }

  private toggleReply(comment: Comment): void {
    if (this.openReply?.parentId === comment.id) {
      this.closeReply();
      return;
    }
    this.closeReply();
    const item = this.items.get(comment.id);
    if (item === undefined) return;
    const composer = new CommentComposer(
      `Reply to ${comment.author.name}`,
      async (text) => {
        await this.post(text, comment.id);
        this.closeReply();
        item.element.querySelector<HTMLButtonElement>("button[aria-label^='Reply to']")?.focus();
      },
      { testId: "reply", buttonLabel: "Reply" },
    );
    this.openReply = { parentId: comment.id, composer };
    item.replySlot.append(composer.element);
    this.renderComposerState();
    composer.focus();
  }

  private closeReply(): void {
    this.openReply?.composer.element.remove();
    this.openReply = null;
  }

  private async remove(comment: Comment): Promise<void> {
    try {
      await this.ctx.api.rest.deleteComment(this.ctx.target, comment.id);
      this.model.remove(comment.id, comment.replyTo);
      this.sync();
      announce("Comment deleted");
    } catch (error) {
      announce(`Could not delete: ${describeError(error)}`);
    }
  }

  private async pin(comment: Comment): Promise<void> {
    try {
      const { pinned } = await this.ctx.api.pin(this.ctx.target, comment.id);
      this.setPinned(pinned);
      announce("Comment pinned");
    } catch (error) {
      announce(`Could not pin: ${describeError(error)}`);
    }
  }

  private async unpin(): Promise<void> {
    try {
      await this.ctx.api.unpin(this.ctx.target);
      this.setPinned(null);
      announce("Comment unpinned");
    } catch (error) {
      announce(`Could not unpin: ${describeError(error)}`);
    }
  }

  private async ban(comment: Comment): Promise<void> {
    const userId = comment.author.id;
    if (userId === null) return;
    try {
      await this.ctx.api.ban(this.ctx.target, userId);
      announce(`${comment.author.name} is banned from this room`);
    } catch (error) {
      announce(`Could not ban: ${describeError(error)}`);
    }
  }

  private setPinned(comment: Comment | null): void {
    this.pinned = comment;
    this.showIds();
    this.renderPinned();
  }

  private renderPinned(): void {
    const pinned = this.pinned;
    if (pinned === null) {
      replaceChildren(this.pinnedSlot);
      this.pinnedSlot.hidden = true;
      return;
    }
    this.pinnedSlot.hidden = false;
    replaceChildren(
      this.pinnedSlot,
      h(
        "figure",
        { "aria-label": "Pinned comment", "data-id": pinned.id },
        h(
          "figcaption",
          {},
          h("span", { class: "badge" }, "Pinned"),
          " ",
          h("span", { class: "comment-author" }, pinned.author.name),
          pinned.author.id !== null && this.shownIds.has(pinned.author.id)
            ? h("span", { class: "comment-author-id", "data-testid": "comment-author-id" }, ` (${pinned.author.id})`)
            : null,
        ),
        h("p", { class: "comment-text", "data-testid": "pinned-text" }, pinned.text),
        this.ctx.canModerate()
          ? h("button", { type: "button", class: "link-button", onclick: () => void this.unpin() }, "Unpin")
          : null,
      ),
    );
  }

  private renderHeading(): void {
    setText(this.heading, this.visibleCount === null ? "Comments" : `Comments (${this.visibleCount})`);
  }

  /** Brings the DOM in line with the model: new items inserted in order, gone items removed. */
  private sync(): void {
    const roots = this.model.sortedRoots();
    const keep = new Set<string>();
    roots.forEach((comment, index) => {
      keep.add(comment.id);
      const item = this.itemFor(comment);
      this.placeAt(this.list, item.element, index);
      const replies = this.model.sortedReplies(comment.id);
      replies.forEach((reply, replyIndex) => {
        keep.add(reply.id);
        this.placeAt(item.repliesList, this.itemFor(reply).element, replyIndex);
      });
      item.renderActions();
    });
    for (const [id, item] of this.items) {
      if (keep.has(id)) continue;
      item.element.remove();
      this.items.delete(id);
      if (this.openReply?.parentId === id) this.closeReply();
    }
    this.loadOlder.hidden = this.model.nextCursor === null;
    this.showIds();
  }

  /**
   * A name that imitates another author's must not pass for theirs: beside every name that
   * is not its user id, or that looks like another name on the page, the id shows too.
   */
  private showIds(): void {
    const authors = [...this.items.values()].map((item) => item.value.author);
    if (this.pinned !== null) authors.push(this.pinned.author);
    const shown = idsToShow(authors);
    for (const item of this.items.values()) item.showAuthorId(item.value.author.id !== null && shown.has(item.value.author.id));
    const pinnedId = this.pinned?.author.id ?? null;
    const pinnedChanged = pinnedId !== null && shown.has(pinnedId) !== this.shownIds.has(pinnedId);
    this.shownIds = shown;
    if (pinnedChanged) this.renderPinned();
  }

  private itemFor(comment: Comment): CommentItem {
    const existing = this.items.get(comment.id);
    if (existing !== undefined) {
      if (existing.value !== comment) existing.update(comment);
      return existing;
    }
    const item = new CommentItem(comment, this.actions);
    this.items.set(comment.id, item);
    return item;
  }

  private placeAt(parent: HTMLElement, element: HTMLElement, index: number): void {
    if (parent.children[index] !== element) parent.insertBefore(element, parent.children[index] ?? null);
  }
}
