import { describe, expect, it } from "vitest";
import type { Comment } from "../../protocol/comments";
import { CommentModel } from "../../client/embed/comments/model";

// The comment section's bookkeeping (client/embed/comments/model.ts) without a browser: the rules that keep the list free of
// duplicates and resurrected comments, including the resync merge the browser tests cannot
// provoke (it needs the room to have dropped the events a client missed).
let counter = 0;
function comment(overrides: Partial<Comment> = {}): Comment {
  counter += 1;
  // Ids sort by creation time: a growing prefix keeps that property here.
  const id = `${String(counter).padStart(9, "0")}abcdefgXYZ123`;
  return {
    id,
    target: "stream:model",
    author: { id: "ada", name: "ada" },
    text: `comment ${counter}`,
    mentions: [],
    replyTo: null,
    createdAt: new Date(1_700_000_000_000 + counter).toISOString(),
    seq: counter,
    reactions: {},
    replies: 0,
    highlighted: false,
    deleted: false,
    ...overrides,
  };
}

const ids = (items: readonly Comment[]) => items.map((c) => c.id);

describe("the live page's comment model", () => {
  it("keeps one copy of a comment that arrives as ack, live event and REST page", () => {
    const model = new CommentModel();
    const c = comment();
    expect(model.upsert(c)).toBe(true);
    expect(model.upsert({ ...c })).toBe(false);
    model.replaceNewest([c], null);
    expect(ids(model.sortedRoots())).toEqual([c.id]);
  });

  it("orders roots newest first and replies oldest first", () => {
    const model = new CommentModel();
    const [a, b] = [comment(), comment()];
    const [r1, r2] = [comment({ replyTo: a.id }), comment({ replyTo: a.id })];
    for (const c of [r2, b, r1, a]) model.upsert(c);
    expect(ids(model.sortedRoots())).toEqual([b.id, a.id]);
    expect(ids(model.sortedReplies(a.id))).toEqual([r1.id, r2.id]);
    expect(model.get(a.id)?.replies).toBe(2);
  });

  it("never brings a deleted comment back from a late copy", () => {
    const model = new CommentModel();
    const c = comment();
    model.upsert(c);
    model.remove(c.id, null);
    expect(model.upsert(c)).toBe(false);
    model.replaceNewest([c], null);
    expect(model.sortedRoots()).toEqual([]);
  });

  it("on resync takes the REST page and keeps only roots that arrived live after it", () => {
    const model = new CommentModel();
    const stale = comment();
    model.upsert(stale); // seen before the gap; gone from the server's newest page
    const [p1, p2] = [comment(), comment()];
    const liveAfterPage = comment();
    model.beginReload();
    model.upsert(liveAfterPage); // arrived over the socket while the page was loading
    model.replaceNewest([p2, p1], "cursor-1");
    expect(ids(model.sortedRoots())).toEqual([liveAfterPage.id, p2.id, p1.id]);
    expect(model.nextCursor).toBe("cursor-1");
  });

  it("keeps comments posted while the first page loads, even when that page comes back empty", () => {
    // The page was read before the room had any comment; its answer came after two live ones.
    const model = new CommentModel();
    model.beginReload();
    const [own, other] = [comment(), comment()];
    model.upsert(own);
    model.upsert(other);
    model.replaceNewest([], null);
    expect(ids(model.sortedRoots())).toEqual([other.id, own.id]);
  });

  it("on resync drops a newest comment that was deleted while the socket was away", () => {
    const model = new CommentModel();
    const [kept, deletedWhileAway] = [comment(), comment()];
    model.upsert(kept);
    model.upsert(deletedWhileAway);
    model.beginReload();
    model.replaceNewest([kept], null);
    expect(ids(model.sortedRoots())).toEqual([kept.id]);
  });

  it("keeps a reply and a highlight that arrived live during the reload, over the page's older copies", () => {
    const model = new CommentModel();
    const root = comment();
    model.beginReload();
    const reply = comment({ replyTo: root.id });
    model.upsert({ ...root, highlighted: true, seq: root.seq + 5 });
    model.upsert(reply);
    model.replaceNewest([root], null);
    expect(model.get(root.id)?.highlighted).toBe(true);
    expect(ids(model.sortedReplies(root.id))).toEqual([reply.id]);
    expect(model.get(root.id)?.replies).toBe(1);
  });

  it("appends older pages without duplicating the overlap", () => {
    const model = new CommentModel();
    const [c1, c2, c3] = [comment(), comment(), comment()];
    model.replaceNewest([c3, c2], "next");
    model.appendOlder([c2, c1], null);
    expect(ids(model.sortedRoots())).toEqual([c3.id, c2.id, c1.id]);
    expect(model.nextCursor).toBeNull();
  });

  it("moves a parent's reply count when a reply is deleted", () => {
    const model = new CommentModel();
    const root = comment({ replies: 1 });
    const reply = comment({ replyTo: root.id });
    model.upsert(root);
    model.upsert(reply);
    model.remove(reply.id, root.id);
    expect(model.sortedReplies(root.id)).toEqual([]);
    expect(model.get(root.id)?.replies).toBe(0);
  });
});
