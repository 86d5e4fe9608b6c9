import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ReactionUsersAfter } from "../../protocol/internal/reaction-rpc";
import { Emoji, ReactionRequest, ReactionResult, ReactionUsersPage, ReactionUsersQuery } from "../../protocol/reactions";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { actorOf, requireUser } from "../auth";
import { decodeCursor, encodeCursor } from "../cursor";
import { purgeTargetViews } from "../edge-cache";
import { ApiError, validationHook } from "../errors";
import { bearerSecurity, errorResponses, limitResponses, WriteHeaders } from "../openapi-common";
import { unwrapRoom } from "../room-result";
import { roomFor } from "../../platform/rooms";

const errorContent = errorResponses[400].content;

const reactRoute = createRoute({
  method: "post",
  path: "/v1/reactions",
  summary: "Add or remove one reaction on a target or a comment (`comment:<id>`), idempotent",
  description:
    "One of each emoji per user per target. The emoji must be in the room's `settings.reactions` " +
    "(default like love haha wow sad angry). `Idempotency-Key` makes a retry apply once.",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: {
    headers: WriteHeaders,
    body: { required: true, content: { "application/json": { schema: ReactionRequest } } },
  },
  responses: {
    200: { description: "The caller's reaction and the exact count after the write", content: { "application/json": { schema: ReactionResult } } },
    ...errorResponses,
    404: { description: "`comment:<id>` names no comment (or one that was deleted)", content: errorContent },
    422: { description: "Idempotency-Key reused for another reaction", content: errorContent },
    ...limitResponses,
  },
});

const usersRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/reactions/{emoji}/users",
  summary: "Who reacted to a target with one emoji, newest first",
  request: { params: z.object({ target: TargetId, emoji: Emoji }), query: ReactionUsersQuery },
  responses: {
    200: { description: "One page of users", content: { "application/json": { schema: ReactionUsersPage } } },
    400: errorResponses[400],
    404: { description: "`comment:<id>` names no comment", content: errorContent },
  },
});

export const reactionsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(reactRoute, async (c) => {
    const { target, emoji, action } = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const result = unwrapRoom(
      await roomFor(c.env, target).react({
        target,
        actor: actorOf(c.var.user, target),
        emoji,
        action,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        requestId: c.var.requestId,
      }),
    );
    if (result.changed) c.executionCtx.waitUntil(purgeTargetViews(target));
    return c.json(result, 200);
  })
  .openapi(usersRoute, async (c) => {
    const { target, emoji } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const after = cursor === undefined ? null : decodeCursor(cursor, ReactionUsersAfter);
    if (cursor !== undefined && after === null) throw new ApiError(400, "invalid_request", "invalid cursor");
    const slice = unwrapRoom(await roomFor(c.env, target).reactionUsers({ target, emoji, after, limit }));
    return c.json(
      {
        items: slice.items.map((item) => ({ userId: item.userId, reactedAt: new Date(item.reactedAt).toISOString() })),
        nextCursor: slice.next === null ? null : encodeCursor(slice.next),
      } satisfies ReactionUsersPage,
      200,
    );
  });
