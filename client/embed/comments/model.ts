import type { Comment } from "../../../protocol/mini/comments";

/**
 * The comments the page knows, keyed by id, so a comment that arrives twice (the ack of our
 * own post and its live event, a replayed event after a reconnect, a REST page overlapping
 * live events) is one comment. Deleted ids are remembered, so a late copy never brings a
 * deleted comment back. No DOM here: section.ts renders it.
 */
export class CommentModel {
  private readonly roots = new Map<string, Comment>();
  private readonly replies = new Map<string, Map<string, Comment>>();
  private readonly deleted = new Set<string>();
  /** Cursor for the next older page; null when the history is exhausted. */
  nextCursor: string | null = null;
  /**
   * Ids added or changed since a reload of the newest page began: the page may have been read
   * before they happened, so `replaceNewest` keeps them. Null while no reload is in flight (a
   * failed reload leaves it collecting until the next one: ids of comments this model holds).
   */
  private changedDuringReload: Set<string> | null = null;

  /** Call as a REST reload of the newest page starts; `replaceNewest` ends it. */
  beginReload(): void {
    this.changedDuringReload = new Set();
  }

  /** Adds or updates; answers whether the comment is new to this page. */
  upsert(comment: Comment): boolean {
    if (comment.deleted || this.deleted.has(comment.id)) return false;
    this.changedDuringReload?.add(comment.id);
    const bucket = comment.replyTo === null ? this.roots : this.repliesOf(comment.replyTo);
    const known = bucket.get(comment.id);
    let next = known === undefined ? comment : newerOf(known, comment);
    // Replies may arrive before their parent (a live reply to an older comment): count them.
    const knownReplies = this.replies.get(comment.id)?.size ?? 0;
    if (comment.replyTo === null && next.replies < knownReplies) next = { ...next, replies: knownReplies };
    bucket.set(comment.id, next);
    if (known === undefined && comment.replyTo !== null) {
      // A reply we had not seen: its parent's reply count moves with it.
      const parent = this.roots.get(comment.replyTo);
      if (parent !== undefined) this.roots.set(parent.id, { ...parent, replies: Math.max(parent.replies, this.repliesOf(parent.id).size) });
    }
    return known === undefined;
  }

  remove(id: string, replyTo: string | null): void {
    this.deleted.add(id);
    this.roots.delete(id);
    this.replies.delete(id);
    if (replyTo !== null) {
      const removed = this.replies.get(replyTo)?.delete(id) ?? false;
      const parent = this.roots.get(replyTo);
      if (removed && parent !== undefined) this.roots.set(parent.id, { ...parent, replies: Math.max(0, parent.replies - 1) });
    }
  }

  isDeleted(id: string): boolean {
    return this.deleted.has(id);
  }

  update(id: string, change: (comment: Comment) => Comment): void {
    this.changedDuringReload?.add(id);
    const root = this.roots.get(id);
    if (root !== undefined) {
      this.roots.set(id, change(root));
      return;
    }
    for (const bucket of this.replies.values()) {
      const reply = bucket.get(id);
      if (reply !== undefined) bucket.set(id, change(reply));
    }
  }

  get(id: string): Comment | undefined {
    return this.roots.get(id) ?? [...this.replies.values()].find((bucket) => bucket.has(id))?.get(id);
  }

  /**
   * The newest page from REST replaces what the page had (first load, or a resync after a gap
   * the room could not replay). Comments that arrived or changed live after `beginReload` stay
   * (the newer copy of each wins): the page may have been read before them. Judging by id
   * instead would drop every live comment when the page came back empty, and keep a stale
   * newest comment deleted while we were away.
   */
  replaceNewest(items: readonly Comment[], nextCursor: string | null): void {
    const changed = [...(this.changedDuringReload ?? [])].map((id) => this.get(id)).filter((c) => c !== undefined);
    this.changedDuringReload = null;
    this.roots.clear();
    this.replies.clear();
    // Roots before replies, so a kept reply finds its parent and moves its count.
    const kept = [...changed.filter((c) => c.replyTo === null), ...changed.filter((c) => c.replyTo !== null)];
    for (const comment of [...items, ...kept]) this.upsert(comment);
    this.nextCursor = nextCursor;
  }

  appendOlder(items: readonly Comment[], nextCursor: string | null): void {
    for (const comment of items) this.upsert(comment);
    this.nextCursor = nextCursor;
  }

  setReplies(parentId: string, items: readonly Comment[]): void {
    for (const comment of items) if (comment.replyTo === parentId) this.upsert(comment);
  }

  /** Newest first, like the REST pages. */
  sortedRoots(): Comment[] {
    return [...this.roots.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  /** Oldest first: a thread reads top to bottom. */
  sortedReplies(parentId: string): Comment[] {
    return [...(this.replies.get(parentId)?.values() ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  private repliesOf(parentId: string): Map<string, Comment> {
    let bucket = this.replies.get(parentId);
    if (bucket === undefined) {
      bucket = new Map();
      this.replies.set(parentId, bucket);
    }
    return bucket;
  }
}

/** Two copies of one comment: the one with the higher seq saw more changes. */
function newerOf(a: Comment, b: Comment): Comment {
  return b.seq >= a.seq ? b : a;
}
