import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  Comment,
  CommentId,
  CommentsPage,
  CommentsQuery,
  CommentEdits,
  CreateCommentBody,
  DeletedComment,
  EditCommentBody,
  TopCommentsQuery,
  TopCommentsResponse,
} from "../../protocol/comments";
import { HighlightBody, PinBody } from "../../protocol/moderation";
import { HeldComment } from "../../protocol/held";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { actorOf, requireUser } from "../auth";
import { decodeCursor, encodeCursor } from "../cursor";
import { purgeTargetViews } from "../edge-cache";
import { ApiError, validationHook } from "../errors";
import { bearerSecurity, errorResponses, limitResponses, WriteHeaders } from "../openapi-common";
import { unwrapRoom } from "../room-result";
import { roomFor } from "../../platform/rooms";

const TargetParam = z.object({ target: TargetId });
const CommentParams = z.object({ target: TargetId, id: CommentId });
const json = <T extends z.ZodType>(schema: T) => ({ "application/json": { schema } });
const refusals = {
  ...errorResponses,
  400: {
    description:
      "`invalid_request` (bad body, blank or too long text), `text_invisible` (nothing in the text shows), " +
      "`text_ill_formed` (a lone UTF-16 surrogate), `text_rejected` (the room's filter refuses it)",
    content: errorResponses[400].content,
  },
  404: { description: "No such comment in this target", content: errorResponses[400].content },
  422: {
    description: "Idempotency-Key reused, the same comment repeated (`duplicate_comment`), or unique chat and anyone said it in the last 30 s (`not_unique`)",
    content: errorResponses[400].content,
  },
  ...limitResponses,
} as const;

const createRoute_ = createRoute({
  method: "post",
  path: "/v1/targets/{target}/comments",
  summary: "Post a comment or a reply (plain text, 1-500 characters)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParam, headers: WriteHeaders, body: { required: true, content: json(CreateCommentBody) } },
  responses: {
    201: { description: "The comment as stored", content: json(Comment) },
    202: {
      description: "Held for review (a suspect term, pre-moderation, a newcomer's link): only its author and the moderators see it until a moderator approves or denies it (docs/moderation.md)",
      content: json(HeldComment),
    },
    ...refusals,
    429: {
      description: `${limitResponses[429].description}; \`too_many_held\` (the author already has 20 comments waiting for review; no Retry-After, it depends on the moderators)`,
      content: errorResponses[400].content,
    },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/comments",
  summary: "Comments newest first (top level, or the replies of `replyTo`), paged by cursor through the whole history",
  request: { params: TargetParam, query: CommentsQuery },
  responses: { 200: { description: "One page", content: json(CommentsPage) }, 400: errorResponses[400] },
});

const topRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/comments/top",
  summary: "Most reacted recent comments, discounted by age",
  request: { params: TargetParam, query: TopCommentsQuery },
  responses: { 200: { description: "Top comments", content: json(TopCommentsResponse) }, 400: errorResponses[400] },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/comments/{id}",
  summary: "One visible comment the room holds (a held comment is 404 here: moderators read it in `GET .../held`)",
  request: { params: CommentParams },
  responses: { 200: { description: "The comment", content: json(Comment) }, 400: errorResponses[400], 404: refusals[404] },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/targets/{target}/comments/{id}",
  summary: "Delete a comment (its author or a moderator); viewers receive a tombstone",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: CommentParams },
  responses: { 200: { description: "Deleted", content: json(DeletedComment) }, ...refusals },
});

const editRoute = createRoute({
  method: "patch",
  path: "/v1/targets/{target}/comments/{id}",
  summary: "Edit a comment's text (its author, within the room's edit window); viewers see it live, marked edited",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: CommentParams, body: { required: true, content: json(EditCommentBody) } },
  responses: {
    200: { description: "The comment with its new text and `editedAt` (unchanged if the text is the same)", content: json(Comment) },
    202: {
      description: "The edit is held for review (`editOf` names the comment): viewers keep the current text until a moderator approves it (docs/comments.md#edits)",
      content: json(HeldComment),
    },
    ...refusals,
    403: { description: "Not the author (`forbidden`), edits off in this room (`edits_disabled`), or the same refusals as a new comment", content: errorResponses[400].content },
    409: {
      description: "`edit_closed` (past the edit window, or the comment is on its way to the archive), `edit_locked` (a moderator pinned or highlighted it), `edit_limit` (edited 5 times already), `edit_pending` (an earlier edit waits for review)",
      content: errorResponses[400].content,
    },
  },
});

const editsRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/comments/{id}/edits",
  summary: "A comment's superseded versions, oldest first (its author and the room's moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: CommentParams },
  responses: {
    200: { description: "The comment and its superseded versions", content: json(CommentEdits) },
    ...errorResponses,
    404: { description: "No such comment in this target (or it was deleted)", content: errorResponses[400].content },
  },
});

const highlightRoute = createRoute({
  method: "post",
  path: "/v1/targets/{target}/comments/{id}/highlight",
  summary: "Highlight or un-highlight a comment (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: CommentParams, body: { required: true, content: json(HighlightBody) } },
  responses: { 200: { description: "The comment", content: json(Comment) }, ...refusals },
});

const pinRoute = createRoute({
  method: "put",
  path: "/v1/targets/{target}/pin",
  summary: "Pin one comment on top of the room (moderators); replaces any pinned comment",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParam, body: { required: true, content: json(PinBody) } },
  responses: { 200: { description: "The pinned comment", content: json(z.object({ pinned: Comment })) }, ...refusals },
});

const unpinRoute = createRoute({
  method: "delete",
  path: "/v1/targets/{target}/pin",
  summary: "Unpin the pinned comment (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParam },
  responses: { 200: { description: "Nothing pinned", content: json(z.object({ pinned: z.null() })) }, ...refusals },
});

/** Cursor: the id of the last comment of the previous page. */
const PageCursor = z.object({ before: CommentId });

export const commentsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(createRoute_, async (c) => {
    const { target } = c.req.valid("param");
    const body = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const comment = unwrapRoom(
      await roomFor(c.env, target).createComment({
        target,
        actor: actorOf(c.var.user!, target),
        text: body.text,
        ...(body.replyTo === undefined ? {} : { replyTo: body.replyTo }),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        requestId: c.var.requestId,
      }),
    );
    // Nothing a viewer reads changed while the comment is held.
    if ("held" in comment) return c.json(comment, 202);
    c.executionCtx.waitUntil(purgeTargetViews(target));
    return c.json(comment, 201);
  })
  .openapi(listRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { before: cursor, limit, replyTo } = c.req.valid("query");
    const decoded = cursor === undefined ? null : decodeCursor(cursor, PageCursor);
    if (cursor !== undefined && decoded === null) throw new ApiError(400, "invalid_request", "invalid cursor");
    const before = decoded?.before ?? null;
    const page = await roomFor(c.env, target).listComments({ target, before, limit, replyTo: replyTo ?? null });
    // The room answers the whole page: its window, then its R2 archive (docs/comments.md).
    const items = page.items;
    const last = items.at(-1);
    const nextCursor = items.length === limit && last !== undefined ? encodeCursor({ before: last.id }) : null;
    return c.json({ items, nextCursor }, 200);
  })
  .openapi(topRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    return c.json({ items: await roomFor(c.env, target).topComments({ target, limit }) }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    const comment = await roomFor(c.env, target).getComment({ target, commentId: id });
    if (comment === null) throw new ApiError(404, "comment_not_found", `no comment ${id} in this room`);
    return c.json(comment, 200);
  })
  .openapi(deleteRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    const result = unwrapRoom(await roomFor(c.env, target).deleteComment({ target, actor: actorOf(c.var.user!, target), commentId: id }));
    c.executionCtx.waitUntil(purgeTargetViews(target));
    return c.json(result, 200);
  })
  .openapi(editRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    const { text } = c.req.valid("json");
    const actor = actorOf(c.var.user!, target);
    const edited = unwrapRoom(await roomFor(c.env, target).editComment({ target, actor, commentId: id, text, requestId: c.var.requestId }));
    if ("held" in edited) return c.json(edited, 202);
    c.executionCtx.waitUntil(purgeTargetViews(target));
    return c.json(edited, 200);
  })
  .openapi(editsRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    return c.json(unwrapRoom(await roomFor(c.env, target).commentEdits({ target, actor: actorOf(c.var.user!, target), commentId: id })), 200);
  })
  .openapi(highlightRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    const { highlighted } = c.req.valid("json");
    const actor = actorOf(c.var.user!, target);
    return c.json(unwrapRoom(await roomFor(c.env, target).highlightComment({ target, actor, commentId: id, highlighted })), 200);
  })
  .openapi(pinRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { commentId } = c.req.valid("json");
    const pinned = unwrapRoom(await roomFor(c.env, target).pinComment({ target, actor: actorOf(c.var.user!, target), commentId }));
    if (pinned === null) throw new Error("pinning a comment answered no comment");
    return c.json({ pinned }, 200);
  })
  .openapi(unpinRoute, async (c) => {
    const { target } = c.req.valid("param");
    unwrapRoom(await roomFor(c.env, target).pinComment({ target, actor: actorOf(c.var.user!, target), commentId: null }));
    return c.json({ pinned: null }, 200);
  });
