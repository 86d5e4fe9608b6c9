import type { Comment } from "../../protocol/comments";
import { h, plural, replaceChildren, setText } from "./dom";

/** What a comment's buttons do; comments-view.ts supplies them. */
export interface CommentActions {
  userId(): string | null;
  canModerate(): boolean;
  reply(comment: Comment): void;
  showReplies(comment: Comment): void;
  remove(comment: Comment): void;
  pin(comment: Comment): void;
  ban(comment: Comment): void;
}

const TIME_FORMAT = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/**
 * One comment as a list item. Author and text are set as text, never parsed as markup: an
 * XSS payload shows as the characters it is made of.
 */
export class CommentItem {
  readonly element: HTMLLIElement;
  readonly repliesList: HTMLOListElement;
  private readonly author = h("span", { class: "comment-author" });
  /** The user id, shown when the name alone could be mistaken for someone else's (comments-view.ts). */
  private readonly authorId = h("span", { class: "comment-author-id", "data-testid": "comment-author-id", hidden: true });
  private readonly time = h("time", { class: "comment-time" });
  private readonly text = h("p", { class: "comment-text", "data-testid": "comment-text" });
  private readonly actions = h("div", { class: "comment-actions" });
  /** Where comments-view.ts puts the reply form of this comment. */
  readonly replySlot = h("div", { class: "reply-slot" });
  private comment: Comment;

  constructor(
    comment: Comment,
    private readonly handlers: CommentActions,
  ) {
    this.comment = comment;
    this.repliesList = h("ol", { class: "replies", "aria-label": "Replies" });
    this.element = h(
      "li",
      { class: "comment", "data-id": comment.id, "data-testid": "comment" },
      h("article", { "aria-label": `Comment by ${comment.author.name}` }, h("header", { class: "comment-meta" }, this.author, this.authorId, " ", this.time), this.text, this.actions),
      this.replySlot,
      this.repliesList,
    );
    this.update(comment);
  }

  get value(): Comment {
    return this.comment;
  }

  update(comment: Comment): void {
    this.comment = comment;
    setText(this.author, comment.author.name);
    this.time.setAttribute("datetime", comment.createdAt);
    setText(this.time, TIME_FORMAT.format(new Date(comment.createdAt)));
    setText(this.text, comment.text);
    this.element.classList.toggle("highlighted", comment.highlighted);
    this.element.classList.toggle("mine", comment.author.id !== null && comment.author.id === this.handlers.userId());
    this.renderActions();
  }

  /** Shows or hides the author's user id beside the name (protocol/display-name.ts idsToShow). */
  showAuthorId(show: boolean): void {
    const id = this.comment.author.id;
    this.authorId.hidden = !show || id === null;
    setText(this.authorId, show && id !== null ? ` (${id})` : "");
  }

  renderActions(): void {
    const c = this.comment;
    const me = this.handlers.userId();
    const moderator = this.handlers.canModerate();
    const isRoot = c.replyTo === null;
    const shownReplies = this.repliesList.childElementCount;
    const button = (label: string, ariaLabel: string, onClick: () => void, extra: Record<string, string> = {}) =>
      h("button", { type: "button", class: "link-button", "aria-label": ariaLabel, onclick: onClick, ...extra }, label);
    replaceChildren(
      this.actions,
      isRoot && c.replies > shownReplies
        ? button(`Show ${plural(c.replies, "reply", "replies")}`, `Show ${plural(c.replies, "reply", "replies")} to ${c.author.name}`, () =>
            this.handlers.showReplies(c),
          )
        : null,
      isRoot && me !== null ? button("Reply", `Reply to ${c.author.name}`, () => this.handlers.reply(c)) : null,
      me !== null && (moderator || c.author.id === me)
        ? button("Delete", `Delete comment by ${c.author.name}`, () => this.handlers.remove(c), { "data-action": "delete" })
        : null,
      moderator && isRoot ? button("Pin", `Pin comment by ${c.author.name}`, () => this.handlers.pin(c), { "data-action": "pin" }) : null,
      moderator && c.author.id !== null && c.author.id !== me
        ? button("Ban author", `Ban ${c.author.name}`, () => this.handlers.ban(c), { "data-action": "ban" })
        : null,
    );
  }
}
