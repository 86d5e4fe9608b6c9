import { describe, expect, it } from "vitest";
import type { Comment } from "../../client/index";
import { applyCommentEvent, mergeComments } from "../../client/react/comments";

// The list behind useComments (client/react/comments.ts): top-level comments newest first, each
// once, however often a page read and the live stream (with its replays) deliver it. Plain
// functions: here in the e2e process rather than a workerd file, which would cost CI a process.

const ids = ["0a1b2c3d4e5f6g7hAbC121", "0a1b2c3d4e5f6g7hAbC122", "0a1b2c3d4e5f6g7hAbC123"] as const;

function comment(id: string, fields: Partial<Comment> = {}): Comment {
  return {
    id,
    target: "post:list",
    author: { id: "u1", name: "Ada" },
    text: `text ${id.slice(-1)}`,
    mentions: [],
    replyTo: null,
    createdAt: "2026-12-06T10:00:00.000Z",
    seq: 1,
    reactions: {},
    replies: 0,
    highlighted: false,
    deleted: false,
    ...fields,
  };
}

const a = comment(ids[0]);
const b = comment(ids[1]);
const c = comment(ids[2]);

describe("the comment list of useComments", () => {
  it("keeps each comment once, newest first, whether it came from a page, the stream or a replay", () => {
    let list = mergeComments([], [b, a]);
    list = [...applyCommentEvent(list, { kind: "comment", comment: c })];
    list = [...applyCommentEvent(list, { kind: "comment", comment: c })];
    expect(list.map((item) => item.id)).toEqual([ids[2], ids[1], ids[0]]);
    list = mergeComments(list, [c, b]);
    expect(list.map((item) => item.id)).toEqual([ids[2], ids[1], ids[0]]);
  });

  it("counts a reply on its parent instead of listing it, and uncounts its deletion", () => {
    const reply = comment("0a1b2c3d4e5f6g7hAbC129", { replyTo: ids[0] });
    let list = mergeComments([], [a, reply]);
    expect(list.map((item) => item.id)).toEqual([ids[0]]);
    list = [...applyCommentEvent(list, { kind: "comment", comment: reply })];
    expect(list[0]?.replies).toBe(1);
    list = [...applyCommentEvent(list, { kind: "comment_deleted", id: reply.id, replyTo: ids[0] })];
    expect(list[0]?.replies).toBe(0);
  });

  it("keeps a deleted comment as a tombstone without its text, and applies highlights and comment reactions", () => {
    let list = mergeComments([], [a, b]);
    list = [...applyCommentEvent(list, { kind: "comment_deleted", id: ids[0], replyTo: null })];
    expect(list.find((item) => item.id === ids[0])).toMatchObject({ deleted: true, text: "" });
    list = [...applyCommentEvent(list, { kind: "comment_highlight", id: ids[1], highlighted: true })];
    list = [...applyCommentEvent(list, { kind: "reaction", commentId: ids[1], emoji: "🎉", count: 2 })];
    expect(list[0]).toMatchObject({ highlighted: true, reactions: { "🎉": 2 } });
    list = [...applyCommentEvent(list, { kind: "reaction", commentId: ids[1], emoji: "🎉", count: 0 })];
    expect(list[0]?.reactions).toEqual({});
    // A reaction on the target itself, or a like, is not the list's business.
    expect(applyCommentEvent(list, { kind: "reaction", commentId: null, emoji: "🎉", count: 5 })).toBe(list);
    expect(applyCommentEvent(list, { kind: "like", count: 3 })).toBe(list);
  });
});
