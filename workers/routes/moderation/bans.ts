import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { Ban, BanBody, RoomSettings, SettingsPatch } from "../../../protocol/moderation";
import { BanCursor } from "../../../protocol/internal/moderation-rpc";
import { BansPageResponse, BansQuery, LiftBanResponse } from "../../../protocol/moderation";
import { decodeCursor, encodeCursor } from "../../cursor";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { ApiError, validationHook } from "../../errors";
import { bearerSecurity } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, moderatorWriteErrors, TargetParams, TargetUserParams } from "./common";

const banRoute = createRoute({
  method: "post",
  path: "/v1/targets/{target}/bans",
  summary: "Ban a user from commenting and reacting, or time them out with durationSeconds (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: BanBody } } } },
  responses: { 201: json(Ban, "The ban in force"), ...moderatorWriteErrors },
});

const liftRoute = createRoute({
  method: "delete",
  path: "/v1/targets/{target}/bans/{userId}",
  summary: "Lift a ban or timeout (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetUserParams },
  responses: { 200: json(LiftBanResponse, "`lifted` is false when the user was not banned"), ...moderatorWriteErrors },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/bans",
  summary: "Bans and timeouts in force, newest first, cursor paged (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, query: BansQuery },
  responses: { 200: json(BansPageResponse, "One page of active bans; `nextCursor` null on the last"), ...moderatorErrors },
});

const settingsRoute = createRoute({
  method: "patch",
  path: "/v1/targets/{target}/settings",
  summary: "Change room settings; viewers receive a `settings` event (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: SettingsPatch } } } },
  responses: { 200: json(RoomSettings, "The settings now in force"), ...moderatorWriteErrors },
});

export const banRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(banRoute, async (c) => {
    const { target } = c.req.valid("param");
    const ban = c.req.valid("json");
    return c.json(unwrapRoom(await roomFor(c.env, target).banUser({ target, actor: actorOf(c.var.user, target), ban })), 201);
  })
  .openapi(liftRoute, async (c) => {
    const { target, userId } = c.req.valid("param");
    return c.json(unwrapRoom(await roomFor(c.env, target).liftBan({ target, actor: actorOf(c.var.user, target), userId })), 200);
  })
  .openapi(listRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const before = cursor === undefined ? undefined : (decodeCursor(cursor, BanCursor) ?? undefined);
    if (cursor !== undefined && before === undefined) throw new ApiError(400, "invalid_request", "invalid cursor");
    const page = unwrapRoom(
      await roomFor(c.env, target).listBans({ target, actor: actorOf(c.var.user, target), limit, ...(before === undefined ? {} : { before }) }),
    );
    return c.json({ bans: page.bans, nextCursor: page.nextBefore === null ? null : encodeCursor(page.nextBefore) }, 200);
  })
  .openapi(settingsRoute, async (c) => {
    const { target } = c.req.valid("param");
    const patch = c.req.valid("json");
    return c.json(unwrapRoom(await roomFor(c.env, target).patchSettings({ target, actor: actorOf(c.var.user, target), patch })), 200);
  });
