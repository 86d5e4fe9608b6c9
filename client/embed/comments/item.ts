import type { Comment } from "../../../protocol/mini/comments";
import { Composer } from "./composer";
import { button, el } from "./dom";
import type { CommentMessages } from "./messages";
import { fill, plural } from "./messages";
import { relativeTime } from "./time";

/** What an item asks of its section. */
export interface ItemContext {
  t(): CommentMessages;
  locale(): string;
  user(): string | null;
  roleOf(userId: string | null): "owner" | "moderator" | null;
  /** Whether the author's user id shows beside their name (protocol/display-name.ts idsToShow). */
  showsId(userId: string | null): boolean;
  canModerate(): boolean;
  allowed(): readonly string[];
  pressed(commentId: string, emoji: string): boolean;
  react(comment: Comment, emoji: string): void;
  reply(comment: Comment): void;
  showReplies(comment: Comment): void;
  /** How many of its replies the page holds: "Show N replies" goes once they are all shown. */
  shownReplies(commentId: string): number;
  remove(comment: Comment): Promise<void>;
  /** Whether the viewer may still edit it: theirs, inside the room's edit window, untouched by a moderator. */
  mayEdit(comment: Comment): boolean;
  /** Whether an edit of ours to it waits for a moderator (shown on it, the text as published). */
  editHeld(commentId: string): boolean;
  /** Saves an edit; false when the server refused (the section said why). */
  edit(comment: Comment, text: string): Promise<boolean>;
  maxLength(): number;
  /** The moderation chunk's buttons for this comment, once it is loaded. */
  tools(comment: Comment): Node | null;
}

/** The server's @mention rule (durable-objects/comments/comment-text.ts). */
const MENTION = /(?<![\p{L}\p{N}_@])@([\p{L}\p{N}_][\p{L}\p{N}_.-]{0,63})/gu;
const GLYPHS: Record<string, string> = { like: "👍", love: "❤️", haha: "😂", wow: "😮", sad: "😢", angry: "😠" };

/** Text with the comment's @mentions as their own parts; everything stays text (no markup). */
function withMentions(text: string, mentions: readonly string[]): (string | Node)[] {
  const known = new Set(mentions.map((name) => name.toLowerCase()));
  const parts: (string | Node)[] = [];
  let at = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = match[1] ?? "";
    if (!known.has(name.toLowerCase())) continue;
    parts.push(text.slice(at, match.index), el("span", { part: "mention", dir: "auto" }, `@${name}`));
    at = match.index + match[0].length;
  }
  parts.push(text.slice(at));
  return parts;
}

/**
 * One comment: author with badge, relative time, text, reactions and actions, and for a
 * top-level comment its replies. Rebuilt on change; the button that had focus gets it back.
 */
export class CommentItem {
  readonly element = el("li", { part: "item" });
  readonly article = el("article", { part: "comment", tabindex: "-1" });
  readonly replySlot = el("div", {});
  readonly repliesList = el("ol", { part: "replies" });
  private confirming = false;
  /** The open editor: kept across re-renders (a live event), so what the author types stays. */
  private editor: Composer | null = null;

  constructor(
    public value: Comment,
    private readonly ctx: ItemContext,
  ) {
    this.element.append(this.article, this.replySlot, this.repliesList);
    this.render();
  }

  update(comment: Comment): void {
    this.value = comment;
    this.render();
  }

  render(): void {
    const comment = this.value;
    const t = this.ctx.t();
    const locale = this.ctx.locale();
    const rootNode = this.article.getRootNode();
    const focused = rootNode instanceof ShadowRoot ? rootNode.activeElement : null;
    const focusKey = focused !== null && this.article.contains(focused) ? focused.getAttribute("data-action") : null;

    this.article.setAttribute("data-id", comment.id);
    this.article.toggleAttribute("data-highlighted", comment.highlighted);
    const role = this.ctx.roleOf(comment.author.id);
    const header = el(
      "header",
      { part: "row" },
      el("span", { part: "author", dir: "auto" }, comment.author.name),
      ...(this.ctx.showsId(comment.author.id) ? [el("span", { part: "author-id", dir: "auto" }, ` (${comment.author.id ?? ""})`)] : []),
      ...(role === null ? [] : [el("span", { part: `badge badge-${role}` }, t[role])]),
      ...(comment.highlighted ? [el("span", { part: "badge badge-highlighted" }, t.highlighted)] : []),
      el("time", { datetime: comment.createdAt, title: new Date(comment.createdAt).toLocaleString(locale) }, relativeTime(comment.createdAt, locale)),
      // The author changed the text after posting: say so, with when in the tooltip.
      ...(comment.editedAt === undefined ? [] : [el("span", { part: "edited", title: new Date(comment.editedAt).toLocaleString(locale) }, t.edited)]),
    );
    const reactions = el("div", { part: "reactions row", role: "group", "aria-label": t.reactions });
    for (const emoji of this.ctx.allowed()) {
      const count = comment.reactions[emoji] ?? 0;
      const press = button("", { part: "reaction", "data-action": `react:${emoji}`, "aria-pressed": String(this.ctx.pressed(comment.id, emoji)) }, () => this.ctx.react(comment, emoji));
      press.append(el("span", { role: "img", "aria-label": emoji }, GLYPHS[emoji] ?? emoji), el("span", { part: "reaction-count" }, count > 0 ? new Intl.NumberFormat(locale).format(count) : ""));
      reactions.append(press);
    }
    const actions = el("div", { part: "actions row" });
    const user = this.ctx.user();
    if (comment.replyTo === null && user !== null) actions.append(button(t.reply, { part: "action", "data-action": "reply", "aria-label": fill(t.replyTo, locale, { name: comment.author.name }) }, () => this.ctx.reply(comment)));
    if (comment.replyTo === null && comment.replies > this.ctx.shownReplies(comment.id)) {
      actions.append(button(plural(t.replies, locale, comment.replies), { part: "action", "data-action": "replies" }, () => this.ctx.showReplies(comment)));
    }
    if (this.editor === null && !this.confirming && this.ctx.mayEdit(comment)) actions.append(button(t.edit, { part: "action", "data-action": "edit" }, () => this.openEditor()));
    const mayDelete = user !== null && (comment.author.id === user || this.ctx.canModerate());
    if (mayDelete && this.confirming) {
      actions.append(
        el("span", { part: "hint", dir: "auto" }, t.confirmDelete),
        button(t.remove, { part: "action danger", "data-action": "confirm-delete" }, () => void this.confirmDelete()),
        button(t.cancel, { part: "action", "data-action": "cancel-delete" }, () => this.setConfirming(false, "delete")),
      );
    } else if (mayDelete) actions.append(button(t.remove, { part: "action", "data-action": "delete" }, () => this.setConfirming(true, "confirm-delete")));
    const tools = this.ctx.canModerate() && !this.confirming ? this.ctx.tools(comment) : null;
    if (tools !== null) actions.append(tools);

    if (this.editor !== null) this.editor.labels(t.editOf, t.save, t.characters, t.cancel);
    const body = this.editor?.element ?? el("p", { part: "text", dir: "auto" }, ...withMentions(comment.text, comment.mentions));
    const pending = this.ctx.editHeld(comment.id) ? [el("p", { part: "state edit-pending", dir: "auto" }, t.editPending)] : [];
    this.article.replaceChildren(header, body, ...pending, el("div", { part: "row" }, reactions, actions));
    if (focusKey !== null) this.article.querySelector<HTMLElement>(`[data-action="${CSS.escape(focusKey)}"]`)?.focus();
  }

  private openEditor(): void {
    const editor = new Composer("edit", (text) => void this.saveEdit(text), () => this.closeEditor());
    // Re-renders put focus back by data-action: the text box is found again after a live event.
    editor.textarea.setAttribute("data-action", "edit-text");
    editor.textarea.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeEditor();
      }
    });
    editor.limit(this.ctx.maxLength());
    editor.restore(this.value.text);
    this.editor = editor;
    this.render();
    editor.focus();
  }

  private closeEditor(): void {
    this.editor = null;
    this.render();
    this.article.querySelector<HTMLElement>('[data-action="edit"]')?.focus();
  }

  private async saveEdit(text: string): Promise<void> {
    const editor = this.editor;
    if (editor === null) return;
    if (await this.ctx.edit(this.value, text)) {
      if (this.editor === editor) this.closeEditor();
      return;
    }
    // Refused: the words come back so nothing typed is lost.
    editor.restore(text);
    editor.focus();
  }

  private setConfirming(confirming: boolean, focus: string): void {
    this.confirming = confirming;
    this.render();
    this.article.querySelector<HTMLElement>(`[data-action="${focus}"]`)?.focus();
  }

  private async confirmDelete(): Promise<void> {
    this.confirming = false;
    await this.ctx.remove(this.value);
    if (this.element.isConnected) this.render();
  }
}
