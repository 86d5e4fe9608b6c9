import type * as z from "zod/mini";
import type { Hub } from "../hub";
import { readEvent, SectionHello } from "../../../protocol/mini/events";
import { HeldComment } from "../../../protocol/mini/comment";
import type { ShellFrame } from "../../../protocol/mini/shell-frame";
import {
  Ban,
  BansResponse,
  Comment as CommentSchema,
  CommentsPage,
  DeletedComment,
  EditAnswer,
  LiftBanResponse,
  PinResponse,
  RoomSettings as RoomSettingsSchema,
  TargetInfo,
  type Comment,
  type RoomSettings,
} from "../../../protocol/mini/comments";
import { Api, type TokenProvider } from "./api";
import { Composer } from "./composer";
import { button, el } from "./dom";
import { CommentItem, type ItemContext } from "./item";
import { en, fill, loadMessages, plural, REFUSALS, type CommentMessages } from "./messages";
import { CommentModel } from "./model";
import { commentsSheet } from "./styles";
import { relativeTime } from "./time";
import type { Moderation } from "./moderation";
import { idsToShow } from "../../../protocol/display-name";

export interface Section {
  render(locale: string): void;
  stop(): void;
}

const PAGE_SIZE = 20;
const REPLIES_PAGE_SIZE = 50;
const TICK_MS = 30_000;

/**
 * A refusal's code: the socket's WriteError carries the server's English message beside its
 * code (the message is never shown), the REST ApiError the code alone. Read structurally: the
 * hub's class comes from v1's build, a different copy, so `instanceof` cannot tell.
 */
function codeOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return error instanceof Error ? error.message : "failed";
}

/** A comment of ours not yet acknowledged: shown, queued while offline, retried under its id. */
interface Pending {
  id: string;
  text: string;
  replyTo: string | null;
  failed: boolean;
  element: HTMLLIElement;
}

/** Called by the v1 shell (../comments.ts) once this build has loaded. */
export function mount(root: ShadowRoot, hub: Hub, token: TokenProvider): Section {
  return new CommentSection(root, hub, token);
}

/**
 * `<engage-comments>`: composer, pinned comment, newest-first list with one level of replies,
 * reactions on comments, "Load older", live arrivals and the moderation tools the viewer's
 * role allows (a chunk loaded only then). Every change goes through CommentModel (one comment
 * per id, deletions remembered) and is rendered by key, so focus stays where the reader is.
 */
class CommentSection implements Section {
  private t: CommentMessages = en;
  private locale = "en";
  private readonly api: Api;
  private readonly model = new CommentModel();
  private readonly items = new Map<string, CommentItem>();
  private readonly pending = new Map<string, Pending>();
  /** Our comments held for review (docs/moderation.md), by held id: shown to us alone until decided. */
  private readonly held = new Map<string, HTMLLIElement>();
  /** Our held edits, by held id: the comment each would change, shown on it as pending. */
  private readonly edits = new Map<string, string>();
  private readonly mine = new Set<string>();
  private readonly heading = el("h2", { part: "heading", id: "engage-comments-heading", tabindex: "-1" });
  private readonly notice = el("p", { part: "notice", role: "status", dir: "auto" });
  private readonly panelSlot = el("div", { part: "moderation" });
  private readonly pinnedSlot = el("div", { part: "pinned" });
  private readonly composer: Composer;
  private readonly newCue = el("button", { type: "button", part: "new-comments", hidden: "" });
  private readonly list = el("ol", { part: "list" });
  private readonly loadOlder = el("button", { type: "button", part: "load-older", hidden: "" });
  private reply: { parent: Comment; composer: Composer } | null = null;
  private settings: RoomSettings | null = null;
  private info: TargetInfo | null = null;
  private pinned: Comment | null = null;
  private visibleCount: number | null = null;
  private countSeq = -1;
  private unseen: string[] = [];
  private moderation: Moderation | null = null;
  private loadingModeration = false;
  /** retryAfterSeconds of the last refusal of one of our writes, by request id. */
  private readonly waits = new Map<string, number>();
  private readonly itemContext: ItemContext;
  private readonly stops: (() => void)[] = [];
  private stopped = false;
  /** Authors whose user id shows beside their name, so a look-alike name cannot pass for another's. */
  private shownIds = new Set<string>();

  constructor(
    private readonly root: ShadowRoot,
    private readonly hub: Hub,
    token: TokenProvider,
  ) {
    this.api = new Api(hub.base, hub.target, token);
    if (!root.adoptedStyleSheets.includes(commentsSheet())) root.adoptedStyleSheets = [...root.adoptedStyleSheets, commentsSheet()];
    this.composer = new Composer("main", (text) => void this.post(text, null));
    this.newCue.addEventListener("click", () => this.showNew());
    this.loadOlder.addEventListener("click", () => void this.loadOlderPage());
    this.itemContext = {
      t: () => this.t,
      locale: () => this.locale,
      user: () => this.hub.state.user,
      showsId: (id) => id !== null && this.shownIds.has(id),
      roleOf: (id) => (id === null || this.info === null ? null : id === this.info.owner ? "owner" : this.info.moderators.includes(id) ? "moderator" : null),
      canModerate: () => this.canModerate(),
      allowed: () => this.settings?.reactions ?? [],
      pressed: (id, emoji) => this.mine.has(`${id} ${emoji}`),
      react: (comment, emoji) => void this.react(comment, emoji),
      reply: (comment) => this.toggleReply(comment),
      showReplies: (comment) => void this.loadReplies(comment),
      shownReplies: (id) => this.model.sortedReplies(id).length,
      remove: (comment) => this.remove(comment),
      mayEdit: (comment) => this.mayEdit(comment),
      editHeld: (id) => [...this.edits.values()].includes(id),
      edit: (comment, text) => this.edit(comment, text),
      maxLength: () => this.settings?.maxCommentLength ?? 500,
      tools: (comment) => this.moderation?.tools(comment) ?? null,
    };
    // The element restarts (a new target, locale or base-url) with a new section: this one's DOM goes with it.
    const section = el("section", { part: "section", "aria-labelledby": "engage-comments-heading" }, this.heading, this.notice, this.panelSlot, this.pinnedSlot, this.composer.element, this.newCue, this.list, this.loadOlder);
    root.append(section);
    this.stops.push(() => section.remove());

    this.stops.push(hub.onFrame((frame) => this.onFrame(frame)));
    this.stops.push(hub.subscribe(() => this.renderComposer()));
    // The first page is asked for before the hello is read: what the hello adds (our shadowed
    // comments, which no public page has) stays when the page comes back (CommentModel).
    void this.reload();
    if (hub.state.hello !== undefined) this.onFrame(hub.state.hello);
    const tick = setInterval(() => {
      for (const time of root.querySelectorAll("time[datetime]")) time.textContent = relativeTime(time.getAttribute("datetime") ?? "", this.locale);
    }, TICK_MS);
    this.stops.push(() => clearInterval(tick));
    // The cue goes once the top of the list is back in view.
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) this.clearUnseen();
    });
    seen.observe(this.composer.element);
    this.stops.push(() => seen.disconnect());
    this.renderLabels();
    // The owner and moderators are read on each hello (onFrame), the socket's first included.
  }

  render(locale: string): void {
    void loadMessages(locale).then((messages) => {
      this.t = messages;
      this.locale = locale;
      this.renderLabels();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const stop of this.stops.splice(0)) stop();
  }

  private canModerate(): boolean {
    const user = this.hub.state.user;
    return user !== null && this.info !== null && (user === this.info.owner || this.info.moderators.includes(user));
  }

  /** Shown on screen and said by the element's own live region. */
  private say(text: string): void {
    // The same text twice is still news (a second refusal): clear first so it is announced again.
    this.notice.textContent = "";
    requestAnimationFrame(() => (this.notice.textContent = text));
  }

  /** A refusal's words from the catalogue; the server's own message is never shown. */
  private errorText(error: unknown, id?: string): string {
    const code = codeOf(error);
    const words = Object.entries(this.t).find(([key]) => key === code)?.[1];
    const wait = id === undefined ? undefined : this.waits.get(id);
    return fill(typeof words === "string" ? words : this.t.failed, this.locale, { n: wait ?? "?" });
  }

  private async readInfo(): Promise<void> {
    try {
      this.info = await this.api.read("", TargetInfo);
      if (this.settings === null) this.applySettings(this.info.settings);
    } catch {
      // An unknown target has no owner or moderators: a plain reader's view.
      this.info = null;
    }
    this.refreshRole();
  }

  /** Sign-in, sign-out or the room's staff known: actions, badges and moderation tools follow. */
  private refreshRole(): void {
    if (this.canModerate() && this.moderation === null && !this.loadingModeration) {
      this.loadingModeration = true;
      void import("./moderation").then((module) => {
        this.loadingModeration = false;
        if (this.stopped) return;
        this.moderation = module.moderation({
          api: this.api,
          kit: { el, button, fill, schemas: { Ban, BansResponse, Comment: CommentSchema, LiftBanResponse, PinResponse, RoomSettings: RoomSettingsSchema } },
          t: () => this.t,
          locale: () => this.locale,
          say: (text) => this.say(text),
          errorText: (error) => this.errorText(error),
          pinned: () => this.pinned,
          onPinned: (comment) => this.setPinned(comment),
          onHighlighted: (comment) => {
            this.model.upsert(comment);
            this.sync();
          },
        });
        this.refreshRole();
      });
    }
    const moderating = this.canModerate() && this.moderation !== null;
    this.panelSlot.replaceChildren(...(moderating && this.moderation !== null ? [this.moderation.panel.element] : []));
    if (moderating && this.settings !== null) this.moderation?.panel.show(this.settings);
    for (const item of this.items.values()) item.render();
    this.renderPinned();
    this.renderComposer();
  }

  /** The shell checked only what it reads (protocol/mini/shell-frame.ts); the rest is read here. */
  private onFrame(frame: ShellFrame): void {
    if (frame.type === "hello") {
      const read = SectionHello.safeParse(frame);
      if (!read.success) return;
      const hello = read.data;
      const yours = hello.yours;
      // Our shadowed comments count for us as they did live (docs/moderation.md "Restrictions").
      this.visibleCount = hello.comments + (yours?.comments.length ?? 0);
      this.countSeq = hello.seq;
      this.applySettings(hello.settings);
      this.setPinned(hello.pinned);
      if (hello.resync) void this.reload();
      // What the room shows us alone (a reload, a reconnect, a sign-in), after the reload began
      // so that it outlives the page. A held one the hello no longer has was decided while we
      // were away (or we signed out): it goes.
      for (const [id, element] of this.held) {
        if (yours?.held.some((held) => held.id === id)) continue;
        element.remove();
        this.held.delete(id);
      }
      const edited = [...this.edits.values()];
      this.edits.clear();
      for (const held of yours?.held ?? []) this.showHeld(held);
      for (const id of edited) this.items.get(id)?.render();
      for (const comment of yours?.comments ?? []) this.model.upsert(comment);
      this.sync();
      // The room sends no event when its staff changes (a claim, a new moderator): every hello
      // (a sign-in, a reconnect) reads the owner and moderators again, and the tools follow.
      void this.readInfo();
      this.renderHeading();
      this.renderPending();
    } else if (frame.type === "error" && frame.id !== undefined && frame.error.retryAfterSeconds !== undefined) {
      this.waits.set(frame.id, frame.error.retryAfterSeconds);
    } else if (frame.type === "event") {
      const event = readEvent(frame.event);
      if (event === null) return;
      const moveCount = frame.seq > this.countSeq && this.visibleCount !== null;
      const shown = this.visibleCount ?? 0;
      switch (event.kind) {
        case "comment":
          if (moveCount && !this.model.isDeleted(event.comment.id) && this.model.get(event.comment.id) === undefined) this.visibleCount = shown + 1;
          if (this.model.upsert(event.comment) && event.comment.replyTo === null && !frame.replay && event.comment.author.id !== this.hub.state.user) this.noteArrival(event.comment.id);
          this.sync();
          break;
        case "comment_deleted":
          if (moveCount) this.visibleCount = Math.max(0, shown - 1);
          this.model.remove(event.id, event.replyTo);
          if (this.pinned?.id === event.id) this.setPinned(null);
          this.sync();
          break;
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
        // Both come to the author (and moderators): a moderator's own section shows only their own.
        case "held":
          if (event.comment.author.id === this.hub.state.user) this.showHeld(event.comment);
          break;
        case "held_resolved": {
          const element = this.held.get(event.heldId);
          const edited = this.edits.get(event.heldId);
          if (element === undefined && edited === undefined) break;
          const focused = element?.contains(this.root.activeElement);
          this.held.delete(event.heldId);
          element?.remove();
          this.edits.delete(event.heldId);
          const published = event.comment;
          if (published !== null) {
            if (moveCount && this.model.get(published.id) === undefined) this.visibleCount = shown + 1;
            this.model.upsert(published);
          }
          // A held edit's comment loses its pending line (and, approved, takes the new text).
          this.items.get(edited ?? "")?.render();
          this.sync();
          const t = this.t;
          this.say(edited === undefined ? (published === null ? t.heldDenied : t.heldApproved) : published === null ? t.editDenied : t.editApproved);
          if (focused) ((published === null ? undefined : this.items.get(published.id)?.article) ?? this.heading).focus();
          break;
        }
        case "reaction":
          if (event.commentId !== null) {
            this.model.update(event.commentId, (c) => ({ ...c, reactions: { ...c.reactions, [event.emoji]: event.count } }));
            this.sync();
          }
          break;
        default:
          break;
      }
      this.renderHeading();
    }
  }

  private applySettings(settings: RoomSettings): void {
    const reactionsChanged = this.settings?.reactions.join() !== settings.reactions.join();
    this.settings = settings;
    this.composer.limit(settings.maxCommentLength);
    this.reply?.composer.limit(settings.maxCommentLength);
    if (this.canModerate()) this.moderation?.panel.show(settings);
    if (reactionsChanged) for (const item of this.items.values()) item.render();
    this.renderComposer();
  }

  private renderLabels(): void {
    this.composer.labels(this.t.write, this.t.post, this.t.characters, this.t.cancel);
    this.loadOlder.textContent = this.t.loadOlder;
    this.renderHeading();
    this.renderComposer();
    this.renderCue();
    this.moderation?.relabel();
    for (const item of this.items.values()) item.render();
    this.renderPinned();
    this.renderPending();
  }

  private renderHeading(): void {
    this.heading.textContent = this.visibleCount === null ? this.t.comments : plural(this.t.commentsCount, this.locale, this.visibleCount);
  }

  /** Owners and moderators may post while comments are off (the server exempts them). */
  private renderComposer(): void {
    const settings = this.settings;
    const staff = this.canModerate();
    let reason: string | null = null;
    if (this.hub.state.user === null) reason = this.t.signIn;
    else if (settings !== null && !settings.commentsEnabled && !staff) reason = this.t.commentsOff;
    this.composer.block(reason);
    this.reply?.composer.block(reason);
    let note = "";
    if (reason === null && settings !== null && !settings.commentsEnabled) note = this.t.commentsOffStaff;
    else if (reason === null && settings !== null && settings.slowModeSeconds > 0) note = fill(this.t.slowMode, this.locale, { n: settings.slowModeSeconds });
    this.composer.note(note);
  }

  private async reload(): Promise<void> {
    this.model.beginReload();
    try {
      const page = await this.api.read(`/comments?limit=${PAGE_SIZE}`, CommentsPage);
      this.model.replaceNewest(page.items, page.nextCursor);
      this.sync();
    } catch (error) {
      this.say(this.errorText(error));
    }
  }

  private async loadOlderPage(): Promise<void> {
    const cursor = this.model.nextCursor;
    if (cursor === null) return;
    this.loadOlder.disabled = true;
    try {
      const page = await this.api.read(`/comments?limit=${PAGE_SIZE}&before=${encodeURIComponent(cursor)}`, CommentsPage);
      const fresh = page.items.filter((comment) => comment.replyTo === null && !this.items.has(comment.id));
      this.model.appendOlder(page.items, page.nextCursor);
      this.sync();
      this.say(plural(this.t.loadedOlder, this.locale, fresh.length));
      // Focus moves to the first comment loaded, never to <body> (the button may now be hidden).
      const first = fresh[0] === undefined ? undefined : this.items.get(fresh[0].id);
      if (first !== undefined) first.article.focus();
      else if (this.loadOlder.hidden) this.heading.focus();
    } catch (error) {
      this.say(this.errorText(error));
    } finally {
      this.loadOlder.disabled = false;
    }
  }

  private async loadReplies(comment: Comment): Promise<void> {
    try {
      const page = await this.api.read(`/comments?limit=${REPLIES_PAGE_SIZE}&replyTo=${encodeURIComponent(comment.id)}`, CommentsPage);
      this.model.setReplies(comment.id, page.items);
      this.sync();
      this.items.get(comment.id)?.render();
      this.items.get(page.items.at(-1)?.id ?? "")?.article.focus();
    } catch (error) {
      this.say(this.errorText(error));
    }
  }

  /** Sent over the target's socket: while offline it waits there and goes out after reconnecting, under the same id. */
  private async post(text: string, replyTo: string | null, retry?: Pending): Promise<void> {
    const pending: Pending = retry ?? { id: crypto.randomUUID(), text, replyTo, failed: false, element: el("li", { part: "item pending" }) };
    pending.failed = false;
    this.pending.set(pending.id, pending);
    this.renderPending();
    try {
      const ack = await this.hub.write("comment", { id: pending.id, text, ...(replyTo === null ? {} : { replyTo }) });
      this.pending.delete(pending.id);
      pending.element.remove();
      // The ack carries the stored comment; its live event may come before or after: same id.
      const stored = CommentSchema.safeParse(ack.comment);
      if (stored.success && this.model.upsert(stored.data) && this.visibleCount !== null && stored.data.seq > this.countSeq) this.visibleCount += 1;
      this.sync();
      this.renderHeading();
      // Held for review (docs/moderation.md): the ack carries `held` instead of the comment.
      const held = HeldComment.safeParse(ack.held);
      if (held.success) this.showHeld(held.data);
      this.say(stored.success || ack.held === undefined ? this.t.posted : this.t.heldForReview);
    } catch (error) {
      const code = codeOf(error);
      if (REFUSALS.has(code)) {
        this.pending.delete(pending.id);
        pending.element.remove();
        (replyTo === null ? this.composer : (this.reply?.composer ?? this.composer)).restore(text);
        this.say(this.errorText(error, pending.id));
      } else {
        pending.failed = true;
        this.renderPending();
        this.say(`${this.t.notSent}: ${this.errorText(error)}`);
      }
    }
  }

  private renderPending(): void {
    for (const element of this.held.values()) element.querySelector("[part=state]")?.replaceChildren(this.t.heldPending);
    const offline = this.hub.state.status !== "open";
    for (const pending of this.pending.values()) {
      const state = pending.failed ? this.t.notSent : offline ? this.t.queued : this.t.sending;
      pending.element.replaceChildren(
        el(
          "article",
          { part: "comment", "aria-busy": String(!pending.failed) },
          el("p", { part: "text", dir: "auto" }, pending.text),
          el("div", { part: "row" }, el("span", { part: "state", dir: "auto" }, state), ...(pending.failed ? [button(this.t.retry, { part: "action retry" }, () => void this.post(pending.text, pending.replyTo, pending))] : [])),
        ),
      );
      const list = pending.replyTo === null ? this.list : this.items.get(pending.replyTo)?.repliesList;
      if (list !== undefined && pending.element.parentNode !== list) list.prepend(pending.element);
    }
  }

  /**
   * The ack, the `held` event and the hello (in any order, in each of the author's tabs) show it
   * once. A held edit shows on the comment it would change, which keeps its published text.
   */
  private showHeld(held: z.infer<typeof HeldComment>): void {
    if (held.editOf !== undefined) {
      this.edits.set(held.id, held.editOf);
      this.items.get(held.editOf)?.render();
      return;
    }
    if (this.held.has(held.id)) return;
    const element = el(
      "li",
      { part: "item pending held", "data-held": held.id, "data-reply-to": held.replyTo ?? "" },
      el("article", { part: "comment", tabindex: "-1" }, el("p", { part: "text", dir: "auto" }, held.text), el("div", { part: "row" }, el("span", { part: "state", dir: "auto" }, this.t.heldPending))),
    );
    this.held.set(held.id, element);
    (held.replyTo === null ? this.list : (this.items.get(held.replyTo)?.repliesList ?? this.list)).prepend(element);
  }

  private async react(comment: Comment, emoji: string): Promise<void> {
    const key = `${comment.id} ${emoji}`;
    try {
      const ack = await this.hub.write("react", { emoji, action: this.mine.has(key) ? "remove" : "add", commentId: comment.id });
      if (ack.reaction !== undefined) {
        if (ack.reaction.reacted) this.mine.add(key);
        else this.mine.delete(key);
        const count = ack.reaction.count;
        this.model.update(comment.id, (c) => ({ ...c, reactions: { ...c.reactions, [emoji]: count } }));
        this.sync();
      }
    } catch (error) {
      this.say(codeOf(error) === "sign_in" ? this.t.signIn : this.errorText(error));
    }
  }

  private toggleReply(comment: Comment): void {
    const open = this.reply?.parent.id === comment.id;
    this.closeReply();
    if (open) return;
    const item = this.items.get(comment.id);
    if (item === undefined) return;
    const composer = new Composer("reply", (text) => void this.post(text, comment.id), () => {
      this.closeReply();
      item.article.querySelector<HTMLElement>("[data-action=reply]")?.focus();
    });
    composer.labels(fill(this.t.replyTo, this.locale, { name: comment.author.name }), this.t.reply, this.t.characters, this.t.cancel);
    composer.limit(this.settings?.maxCommentLength ?? 500);
    this.reply = { parent: comment, composer };
    item.replySlot.append(composer.element);
    this.renderComposer();
    composer.focus();
  }

  private closeReply(): void {
    this.reply?.composer.element.remove();
    this.reply = null;
  }

  private async remove(comment: Comment): Promise<void> {
    try {
      await this.api.write("DELETE", `/comments/${encodeURIComponent(comment.id)}`, undefined, DeletedComment);
      const item = this.items.get(comment.id);
      const next = item?.element.nextElementSibling ?? item?.element.previousElementSibling;
      this.model.remove(comment.id, comment.replyTo);
      this.sync();
      this.say(this.t.deleted);
      // Focus to the neighbour, else the heading: never to <body>.
      (next?.querySelector<HTMLElement>("article[tabindex]") ?? this.heading).focus();
    } catch (error) {
      this.say(this.errorText(error));
    }
  }

  /**
   * The server decides (comments/comment-edits.ts); this only hides a button it would refuse:
   * another's comment, past the room's window, or pinned or highlighted by a moderator.
   */
  private mayEdit(comment: Comment): boolean {
    const user = this.hub.state.user;
    const windowMinutes = this.settings?.editWindowMinutes ?? 0;
    if (user === null || comment.author.id !== user || windowMinutes === 0) return false;
    if (comment.highlighted || this.pinned?.id === comment.id) return false;
    return Date.now() < Date.parse(comment.createdAt) + windowMinutes * 60_000;
  }

  private async edit(comment: Comment, text: string): Promise<boolean> {
    try {
      const edited = await this.api.write("PATCH", `/comments/${encodeURIComponent(comment.id)}`, { text }, EditAnswer);
      // 202: the edit waits for a moderator (docs/comments.md#edits); viewers keep the old text.
      if ("held" in edited) this.showHeld(edited);
      else this.model.upsert(edited);
      this.sync();
      this.say("held" in edited ? this.t.editPending : this.t.editSaved);
      return true;
    } catch (error) {
      this.say(this.errorText(error));
      return false;
    }
  }

  private setPinned(comment: Comment | null): void {
    this.pinned = comment;
    this.renderPinned();
    this.showIds();
  }

  private renderPinned(): void {
    const pinned = this.pinned;
    if (pinned === null) {
      this.pinnedSlot.replaceChildren();
      return;
    }
    this.pinnedSlot.replaceChildren(
      el(
        "figure",
        { "aria-label": this.t.pinned, "data-id": pinned.id },
        el("figcaption", { part: "row" }, el("span", { part: "badge badge-pinned" }, this.t.pinned), el("span", { part: "author", dir: "auto" }, pinned.author.name), ...(this.itemContext.showsId(pinned.author.id) ? [el("span", { part: "author-id", dir: "auto" }, ` (${pinned.author.id ?? ""})`)] : [])),
        el("p", { part: "text pinned-text", dir: "auto" }, pinned.text),
        ...(this.canModerate() && this.moderation !== null ? [this.moderation.unpinButton()] : []),
      ),
    );
  }

  private noteArrival(id: string): void {
    // Scrolled down (the composer out of view above): say so with a cue rather than move the page.
    if (this.composer.element.getBoundingClientRect().bottom >= 0) return;
    this.unseen.push(id);
    this.renderCue();
  }

  private renderCue(): void {
    this.newCue.hidden = this.unseen.length === 0;
    this.newCue.textContent = plural(this.t.newComments, this.locale, this.unseen.length);
  }

  private clearUnseen(): void {
    this.unseen = [];
    this.renderCue();
  }

  private showNew(): void {
    const newest = this.unseen.map((id) => this.items.get(id)).find((item) => item !== undefined);
    this.clearUnseen();
    this.composer.element.scrollIntoView({ block: "start" });
    (newest?.article ?? this.heading).focus();
  }

  /** Brings the DOM in line with the model: new items inserted in order, gone items removed. */
  private sync(): void {
    const keep = new Set<string>();
    const place = (parent: HTMLElement, element: HTMLElement, index: number) => {
      if (parent.children[index] !== element) parent.insertBefore(element, parent.children[index] ?? null);
    };
    const pendingOffset = (list: HTMLElement) => [...list.children].filter((child) => child.getAttribute("part")?.includes("pending")).length;
    this.model.sortedRoots().forEach((comment, index) => {
      keep.add(comment.id);
      const item = this.itemFor(comment);
      place(this.list, item.element, index + pendingOffset(this.list));
      this.model.sortedReplies(comment.id).forEach((reply, replyIndex) => {
        keep.add(reply.id);
        place(item.repliesList, this.itemFor(reply).element, replyIndex + pendingOffset(item.repliesList));
      });
    });
    for (const [id, item] of this.items) {
      if (keep.has(id)) continue;
      item.element.remove();
      this.items.delete(id);
      if (this.reply?.parent.id === id) this.closeReply();
    }
    // A held reply shown before its parent (a hello comes before the first page) moves under it.
    for (const element of this.held.values()) {
      const list = this.items.get(element.dataset.replyTo ?? "")?.repliesList;
      if (list !== undefined && element.parentNode !== list) list.prepend(element);
    }
    this.loadOlder.hidden = this.model.nextCursor === null;
    this.showIds();
  }

  private showIds(): void {
    const authors = [...this.items.values()].map((item) => item.value.author);
    if (this.pinned !== null) authors.push(this.pinned.author);
    const shown = idsToShow(authors);
    const changed = shown.size !== this.shownIds.size || [...shown].some((id) => !this.shownIds.has(id));
    this.shownIds = shown;
    if (!changed) return;
    for (const item of this.items.values()) item.render();
    this.renderPinned();
  }

  private itemFor(comment: Comment): CommentItem {
    const existing = this.items.get(comment.id);
    if (existing !== undefined) {
      if (existing.value !== comment) existing.update(comment);
      return existing;
    }
    const item = new CommentItem(comment, this.itemContext);
    this.items.set(comment.id, item);
    return item;
  }
}
