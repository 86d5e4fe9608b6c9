import type { Comment, LiveEvent } from "../index";

/** Comment ids sort by creation time (docs/realtime.md), so newest first is descending id order. */
const newestFirst = (a: Comment, b: Comment) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Top-level comments from a page or a live arrival, merged once each (a replayed event repeats one). */
export function mergeComments(current: readonly Comment[], incoming: readonly Comment[]): Comment[] {
  const byId = new Map(current.map((comment) => [comment.id, comment]));
  for (const comment of incoming) if (comment.replyTo === null) byId.set(comment.id, comment);
  return [...byId.values()].sort(newestFirst);
}

const patch = (list: readonly Comment[], id: string, change: (comment: Comment) => Comment): Comment[] =>
  list.map((comment) => (comment.id === id ? change(comment) : comment));

/** A live event applied to a newest-first list of top-level comments; other kinds leave it as it is. */
export function applyCommentEvent(list: readonly Comment[], event: LiveEvent): readonly Comment[] {
  switch (event.kind) {
    case "comment":
      if (event.comment.replyTo === null) return mergeComments(list, [event.comment]);
      return patch(list, event.comment.replyTo, (parent) => ({ ...parent, replies: parent.replies + 1 }));
    case "comment_deleted":
      if (event.replyTo !== null) return patch(list, event.replyTo, (parent) => ({ ...parent, replies: Math.max(0, parent.replies - 1) }));
      // Kept as a tombstone, as the server lists it: its replies stay reachable.
      return patch(list, event.id, (comment) => ({ ...comment, deleted: true, text: "" }));
    case "comment_highlight":
      return patch(list, event.id, (comment) => ({ ...comment, highlighted: event.highlighted }));
    case "reaction": {
      if (event.commentId === null) return list;
      const { emoji, count } = event;
      return patch(list, event.commentId, (comment) => {
        const reactions = { ...comment.reactions };
        if (count > 0) reactions[emoji] = count;
        else delete reactions[emoji];
        return { ...comment, reactions };
      });
    }
    default:
      return list;
  }
}
