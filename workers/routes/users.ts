import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { and, count, desc, eq, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { LikeStatusResponse, UserLikesQuery, UserLikesResponse } from "../../protocol/likes";
import { TargetId, UserId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { userLikes } from "../db/schema";
import { ApiError, validationHook } from "../errors";
import { errorResponses } from "../openapi-common";
import { likeStatusRouted } from "../shards";
import { decodeCursor, encodeCursor } from "../cursor";

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
  summary: "A user's likes, newest first, from the D1 index (lags by < 2 s)",
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
    const db = drizzle(c.env.DB);
    const ofUser = eq(userLikes.userId, userId);
    const page = await db
      .select({ target: userLikes.target, likedAt: userLikes.likedAt })
      .from(userLikes)
      .where(
        after === null
          ? ofUser
          : and(
              ofUser,
              or(lt(userLikes.likedAt, after[0]), and(eq(userLikes.likedAt, after[0]), lt(userLikes.target, after[1]))),
            ),
      )
      .orderBy(desc(userLikes.likedAt), desc(userLikes.target))
      .limit(limit + 1);
    const [totalRow] = await db.select({ total: count() }).from(userLikes).where(ofUser);
    const items = page.slice(0, limit);
    const last = items.at(-1);
    return c.json(
      {
        items: items.map((row) => ({ target: row.target, likedAt: new Date(row.likedAt).toISOString() })),
        nextCursor: page.length > limit && last ? encodeCursor([last.likedAt, last.target]) : null,
        total: totalRow?.total ?? 0,
      },
      200,
    );
  });
