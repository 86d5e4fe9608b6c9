import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { TermsBody } from "../../../protocol/moderation";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { validationHook } from "../../errors";
import { bearerSecurity } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, moderatorWriteErrors, TargetParams } from "./common";

const getRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/terms",
  summary: "The room's blocked and suspect terms (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams },
  responses: { 200: json(TermsBody, "Both lists, in the order they were set"), ...moderatorErrors },
});

const putRoute = createRoute({
  method: "put",
  path: "/v1/targets/{target}/terms",
  summary: "Replace the room's blocked and suspect terms; `*` is a wildcard within a word (moderators)",
  description:
    "At most 50 entries per list, each at most 32 characters, matched case- and accent-insensitively on whole words. " +
    "A blocked term masks the comment or refuses it with 400 `blocked_term`, following the room's `filter` setting. " +
    "A suspect term holds the comment for review (202, `GET ./held`). See docs/moderation.md.",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, body: { required: true, content: { "application/json": { schema: TermsBody } } } },
  responses: { 200: json(TermsBody, "The lists now in force (exact duplicates dropped)"), ...moderatorWriteErrors },
});

export const termRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(getRoute, async (c) => {
    const { target } = c.req.valid("param");
    return c.json(unwrapRoom(await roomFor(c.env, target).getTerms({ target, actor: actorOf(c.var.user, target) })), 200);
  })
  .openapi(putRoute, async (c) => {
    const { target } = c.req.valid("param");
    const terms = c.req.valid("json");
    return c.json(unwrapRoom(await roomFor(c.env, target).putTerms({ target, actor: actorOf(c.var.user, target), terms })), 200);
  });
