import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { LikeStatusResponse, UserLikesQuery, UserLikesResponse } from "../../protocol/likes";
import { TargetId, UserId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { ApiError, validationHook } from "../errors";
import { errorResponses } from "../openapi-common";
import { likeStatusRouted } from "../../platform/like-router";
import { decodeCursor, encodeCursor } from "../cursor";
import { userIndexFor } from "../user-objects";

const statusRoute = createRoute({
  method: "get",
  path: "/v1/users/{userId}/likes/{target}",
  summary: "Whether a user likes a target, read from the target's room (strongly consistent)",
  request: { params: z.object({ userId: UserId, target: TargetId }) },
  responses: {
    200: { description: "The user's like state", content: { "application/json": { schema: LikeStatusResponse } } },
    400: errorResponses[400],
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/users/{userId}/likes",
  summary: "A user's likes, newest first, from the user's own index (lags the rooms by < 2 s; exact total)",
  request: { params: z.object({ userId: UserId }), query: UserLikesQuery },
  responses: {
    200: { description: "One page of likes", content: { "application/json": { schema: UserLikesResponse } } },
    400: errorResponses[400],
  },
});

/** The cursor is the (likedAt, target) of the last item: stable while rows are added. */
const LikesCursor = z.tuple([z.number().int().nonnegative(), TargetId]);

export const usersRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(statusRoute, async (c) => {
    const { userId, target } = c.req.valid("param");
    const status = await likeStatusRouted(c.env, target, userId);
    return c.json(
      { liked: status.liked, likedAt: status.likedAt === null ? null : new Date(status.likedAt).toISOString() },
      200,
    );
  })
  .openapi(listRoute, async (c) => {
    const { userId } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const after = cursor === undefined ? null : decodeCursor(cursor, LikesCursor);
    if (cursor !== undefined && after === null) throw new ApiError(400, "invalid_request", "invalid cursor");
    // The user's own object, not D1: one user's likes live with that user (docs/user-index.md).
    const page = await userIndexFor(c.env, userId).likesPage({ limit, after });
    const last = page.items.at(-1);
    return c.json(
      {
        items: page.items.map((item) => ({ target: item.target, likedAt: new Date(item.likedAt).toISOString() })),
        nextCursor: page.more && last ? encodeCursor([last.likedAt, last.target]) : null,
        total: page.total,
      },
      200,
    );
  });
