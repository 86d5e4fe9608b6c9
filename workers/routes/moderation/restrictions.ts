import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { LiftRestrictionResponse, Restriction, RestrictBody, RestrictionsQuery, RestrictionsResponse } from "../../../protocol/moderation";
import { BanCursor } from "../../../protocol/internal/moderation-rpc";
import { decodeCursor, encodeCursor } from "../../cursor";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { ApiError, validationHook } from "../../errors";
import { bearerSecurity } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, moderatorWriteErrors, TargetParams, TargetUserParams } from "./common";

const restrictRoute = createRoute({
  method: "post",
  path: "/v1/targets/{target}/restrictions",
  summary: "Restrict a user: their new comments reach only themselves and the moderators (moderators)",
  description:
    "Shadow-hide: the user's comments from now on are answered 201 as usual but kept out of every page, count and other viewer's frames; " +
    "moderators see them live and in `GET ./held` (heldFor `restricted`) and may approve one. 409 `is_moderator` for the owner or a moderator. See docs/moderation.md.",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: RestrictBody } } } },
  responses: {
    201: json(Restriction, "The restriction in force"),
    ...moderatorWriteErrors,
    409: { description: "`is_moderator`: the owner and moderators cannot be restricted", content: moderatorErrors[403].content },
  },
});

const liftRoute = createRoute({
  method: "delete",
  path: "/v1/targets/{target}/restrictions/{userId}",
  summary: "Lift a restriction; comments made while restricted stay hidden (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetUserParams },
  responses: { 200: json(LiftRestrictionResponse, "`lifted` is false when the user was not restricted"), ...moderatorWriteErrors },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/restrictions",
  summary: "Restricted users, newest first, cursor paged (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, query: RestrictionsQuery },
  responses: { 200: json(RestrictionsResponse, "One page of restrictions; `nextCursor` null on the last"), ...moderatorErrors },
});

export const restrictionRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(restrictRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { userId, reason } = c.req.valid("json");
    const actor = actorOf(c.var.user, target);
    return c.json(unwrapRoom(await roomFor(c.env, target).restrictUser({ target, actor, userId, ...(reason === undefined ? {} : { reason }) })), 201);
  })
  .openapi(liftRoute, async (c) => {
    const { target, userId } = c.req.valid("param");
    return c.json(unwrapRoom(await roomFor(c.env, target).unrestrictUser({ target, actor: actorOf(c.var.user, target), userId })), 200);
  })
  .openapi(listRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const before = cursor === undefined ? undefined : (decodeCursor(cursor, BanCursor) ?? undefined);
    if (cursor !== undefined && before === undefined) throw new ApiError(400, "invalid_request", "invalid cursor");
    const page = unwrapRoom(
      await roomFor(c.env, target).listRestrictions({ target, actor: actorOf(c.var.user, target), limit, ...(before === undefined ? {} : { before }) }),
    );
    return c.json({ restrictions: page.restrictions, nextCursor: page.nextBefore === null ? null : encodeCursor(page.nextBefore) }, 200);
  });
