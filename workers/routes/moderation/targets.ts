import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { ModeratorBody, RegisterTargetBody, TargetInfo } from "../../../protocol/moderation";
import { ModeratorsResponse } from "../../../protocol/moderation";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { ApiError, validationHook } from "../../errors";
import { mayRegisterTargets } from "../../identity/verify";
import { bearerSecurity, errorResponses, limitResponses } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, moderatorWriteErrors, TargetParams, TargetUserParams } from "./common";

const registerRoute = createRoute({
  method: "put",
  path: "/v1/targets/{target}",
  summary: "Register a target with the caller as its owner, or retitle it (owner or admin)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: RegisterTargetBody } } } },
  responses: {
    201: json(TargetInfo, "Registered; the caller owns the target"),
    200: json(TargetInfo, "Title updated"),
    ...errorResponses,
    ...limitResponses,
    409: { description: "Registered by another user (`already_registered`)", content: errorResponses[400].content },
  },
});

const infoRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}",
  summary: "A target's owner, title, settings, moderators and pinned comment",
  request: { params: TargetParams },
  responses: { 200: json(TargetInfo, "The target"), 400: errorResponses[400] },
});

const addModeratorRoute = createRoute({
  method: "post",
  path: "/v1/targets/{target}/moderators",
  summary: "Make a user a moderator of the target (owner or admin)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: ModeratorBody } } } },
  responses: { 200: json(ModeratorsResponse, "The moderators now"), ...moderatorWriteErrors },
});

const removeModeratorRoute = createRoute({
  method: "delete",
  path: "/v1/targets/{target}/moderators/{userId}",
  summary: "Take a user's moderator role away (owner or admin)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetUserParams },
  responses: { 200: json(ModeratorsResponse, "The moderators now"), ...moderatorWriteErrors },
});

export const targetRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(registerRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { title } = c.req.valid("json");
    // The room lets the first caller own an unregistered target; with providers, only a trusted owner may be that caller.
    if (!mayRegisterTargets(c.env, c.var.user) && (await roomFor(c.env, target).targetInfo(target)).owner === null) {
      throw new ApiError(403, "forbidden", 'registering a target needs a trusted "owner" role (docs/identity.md)');
    }
    const { created, info } = unwrapRoom(await roomFor(c.env, target).registerTarget({ target, actor: actorOf(c.var.user, target), title }));
    return created ? c.json(info, 201) : c.json(info, 200);
  })
  .openapi(infoRoute, async (c) => {
    const { target } = c.req.valid("param");
    return c.json(await roomFor(c.env, target).targetInfo(target), 200);
  })
  .openapi(addModeratorRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { userId } = c.req.valid("json");
    const moderators = unwrapRoom(await roomFor(c.env, target).addModerator({ target, actor: actorOf(c.var.user, target), userId }));
    return c.json({ moderators }, 200);
  })
  .openapi(removeModeratorRoute, async (c) => {
    const { target, userId } = c.req.valid("param");
    const moderators = unwrapRoom(await roomFor(c.env, target).removeModerator({ target, actor: actorOf(c.var.user, target), userId }));
    return c.json({ moderators }, 200);
  });
