import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { MemberBody } from "../../../protocol/moderation";
import { MemberChangeResponse, MembersBody, MembersResponse } from "../../../protocol/moderation";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { validationHook } from "../../errors";
import { bearerSecurity, errorResponses, limitResponses } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, TargetParams, TargetUserParams } from "./common";

const ownerErrors = {
  ...moderatorErrors,
  403: { description: "Not the target's owner or an admin", content: errorResponses[400].content },
} as const;

const listRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/members",
  summary: "The members list of a members-only room (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams },
  responses: { 200: json(MembersResponse, "Members by user id"), ...moderatorErrors },
});

const replaceRoute = createRoute({
  method: "put",
  path: "/v1/targets/{target}/members",
  summary: "Replace the members list, up to 1,000 users (owner or admin)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: MembersBody } } } },
  responses: { 200: json(MembersResponse, "The members now"), ...ownerErrors, ...limitResponses },
});

const addRoute = createRoute({
  method: "post",
  path: "/v1/targets/{target}/members",
  summary: "Add one member (owner or admin)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: MemberBody } } } },
  responses: {
    200: json(MemberChangeResponse, "`changed` is false when they were a member already"),
    ...ownerErrors,
    ...limitResponses,
    409: { description: "The list already holds 1,000 members (`too_many_members`)", content: errorResponses[400].content },
  },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/v1/targets/{target}/members/{userId}",
  summary: "Remove one member (owner or admin)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetUserParams },
  responses: { 200: json(MemberChangeResponse, "`changed` is false when they were not a member"), ...ownerErrors, ...limitResponses },
});

export const memberRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(listRoute, async (c) => {
    const { target } = c.req.valid("param");
    const members = unwrapRoom(await roomFor(c.env, target).listMembers({ target, actor: actorOf(c.var.user, target) }));
    return c.json({ members }, 200);
  })
  .openapi(replaceRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { userIds } = c.req.valid("json");
    const members = unwrapRoom(await roomFor(c.env, target).replaceMembers({ target, actor: actorOf(c.var.user, target), userIds }));
    return c.json({ members }, 200);
  })
  .openapi(addRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { userId } = c.req.valid("json");
    return c.json(unwrapRoom(await roomFor(c.env, target).addMember({ target, actor: actorOf(c.var.user, target), userId })), 200);
  })
  .openapi(removeRoute, async (c) => {
    const { target, userId } = c.req.valid("param");
    return c.json(unwrapRoom(await roomFor(c.env, target).removeMember({ target, actor: actorOf(c.var.user, target), userId })), 200);
  });
