import { z } from "zod";
import { TargetId, UserId } from "./target";
import { Actor } from "./actor";
import { RequestId } from "./operations";
import { COMMENT_ID_PATTERN, MAX_COMMENT_LENGTH } from "./wire-constants";

/** The hard ceiling; a room may set a lower `maxCommentLength` (protocol/moderation.ts). */
export { MAX_COMMENT_LENGTH } from "./wire-constants";

/**
 * Comment ids sort by creation time (see durable-objects/comments/comment-id.ts) and are
 * valid target ids after `comment:`, so a comment can be liked and reacted to.
 */
export const CommentId = z.string().regex(COMMENT_ID_PATTERN, "not a comment id");
export type CommentId = z.infer<typeof CommentId>;

export const CreateCommentBody = z.strictObject({
  // The Worker only bounds the bytes it forwards; the room checks the text (normaliseText in
  // protocol/text.ts counts code points, as JSON Schema does, so the document states its rule).
  text: z.string().max(MAX_COMMENT_LENGTH * 8).meta({ minLength: 1, maxLength: MAX_COMMENT_LENGTH }),
  replyTo: CommentId.optional(),
});
export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

/** Name shown for a comment whose author asked to be forgotten. */
export const ERASED_AUTHOR_NAME = "[deleted]";

export const CommentAuthor = z.object({ id: UserId.nullable(), name: z.string() });

export const Comment = z.object({
  id: CommentId,
  target: TargetId,
  /** `id` null: the author asked to be forgotten and the comment is a tombstone. */
  author: CommentAuthor,
  text: z.string(),
  mentions: z.array(z.string()),
  /** The root comment this replies to; replies are one level deep. */
  replyTo: CommentId.nullable(),
  createdAt: z.string(),
  seq: z.number().int().nonnegative(),
  /** Reaction counts by emoji, only emoji with a count above zero. */
  reactions: z.record(z.string(), z.number().int().nonnegative()),
  replies: z.number().int().nonnegative(),
  highlighted: z.boolean(),
  deleted: z.boolean(),
  /** When the author last edited the text; absent if never (docs/comments.md#edits). */
  editedAt: z.string().optional(),
});
export type Comment = z.infer<typeof Comment>;

export const EditCommentBody = z.strictObject({
  text: z.string().max(MAX_COMMENT_LENGTH * 8).meta({ minLength: 1, maxLength: MAX_COMMENT_LENGTH }),
});

/** A comment's superseded versions (oldest first), for its author and the room's moderators. */
export const CommentEdits = z.object({
  comment: Comment,
  versions: z.array(z.object({ version: z.number().int().positive(), text: z.string(), supersededAt: z.string() })),
});
export type CommentEdits = z.infer<typeof CommentEdits>;

export const CommentsQuery = z.strictObject({
  before: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  replyTo: CommentId.optional(),
});
export type CommentsQuery = z.infer<typeof CommentsQuery>;

export const CommentsPage = z.object({
  items: z.array(Comment),
  nextCursor: z.string().nullable(),
});
export type CommentsPage = z.infer<typeof CommentsPage>;

export const TopCommentsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

export const TopCommentsResponse = z.object({
  items: z.array(Comment.extend({ score: z.number() })),
});

/** RPC inputs of TargetRoom's comment methods (the Worker fills `actor` from the token). */

export const CreateCommentInput = z.strictObject({
  target: TargetId,
  actor: Actor,
  text: z.string().max(MAX_COMMENT_LENGTH * 8),
  replyTo: CommentId.optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** The HTTP request's id, so the room's outbox lines name it. */
  requestId: RequestId.optional(),
});
export type CreateCommentInput = z.infer<typeof CreateCommentInput>;

export const ListCommentsInput = z.strictObject({
  target: TargetId,
  before: CommentId.nullable(),
  limit: z.number().int().min(1).max(100),
  replyTo: CommentId.nullable(),
});
export type ListCommentsInput = z.infer<typeof ListCommentsInput>;

/** A page from the room: its window, continued in its R2 archive when the window runs out. */
export interface RoomCommentsPage {
  items: Comment[];
}

export const CommentActionInput = z.strictObject({ target: TargetId, actor: Actor, commentId: CommentId });
export type CommentActionInput = z.infer<typeof CommentActionInput>;

export const CommentLookupInput = z.strictObject({ target: TargetId, commentId: CommentId });

export const HighlightInput = CommentActionInput.extend({ highlighted: z.boolean() });
export const EditCommentInput = CommentActionInput.extend({ text: z.string().max(MAX_COMMENT_LENGTH * 8), requestId: z.string().max(128).optional() });
export type EditCommentInput = z.infer<typeof EditCommentInput>;
export type HighlightInput = z.infer<typeof HighlightInput>;

export const PinInput = z.strictObject({ target: TargetId, actor: Actor, commentId: CommentId.nullable() });
export type PinInput = z.infer<typeof PinInput>;

export const TopCommentsInput = z.strictObject({ target: TargetId, limit: z.number().int().min(1).max(50) });
export type TopCommentsInput = z.infer<typeof TopCommentsInput>;

export const DeletedComment = z.object({ id: CommentId, deleted: z.literal(true) });
