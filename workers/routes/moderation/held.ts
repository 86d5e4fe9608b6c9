import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CommentId } from "../../../protocol/comments";
import { DecideHeldBody, HeldCursor, HeldPageResponse, HeldQuery, HeldResolution } from "../../../protocol/held";
import { TargetId } from "../../../protocol/target";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { decodeCursor, encodeCursor } from "../../cursor";
import { purgeTargetViews } from "../../edge-cache";
import { ApiError, validationHook } from "../../errors";
import { bearerSecurity, errorResponses } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, moderatorWriteErrors, TargetParams } from "./common";

const HeldParams = z.object({ target: TargetId, id: CommentId });

const listRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/held",
  summary: "The review queue: held comments, oldest first, cursor paged (moderators)",
  description: "A comment is held by a suspect term, pre-moderation, a newcomer's link, or reports (`heldFor`). See docs/moderation.md.",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, query: HeldQuery },
  responses: { 200: json(HeldPageResponse, "One page of held comments; `nextCursor` null on the last"), ...moderatorErrors },
});

const decision = (outcome: "approve" | "deny", summary: string, answer: string) =>
  createRoute({
    method: "post",
    path: `/v1/targets/{target}/comments/{id}/${outcome}`,
    summary,
    security: bearerSecurity,
    middleware: [requireUser] as const,
    request: { params: HeldParams, body: { required: false, content: { "application/json": { schema: DecideHeldBody } } } },
    responses: {
      200: json(HeldResolution, answer),
      ...moderatorWriteErrors,
      404: { description: "No held comment with this id (`held_not_found`)", content: errorResponses[400].content },
      ...(outcome === "approve"
        ? {
            409: {
              description:
                "Deny it instead: the comment it replies to is gone (`reply_parent_gone`), the archive moved past a comment hidden by reports (`archived_past`), or a held edit can no longer land (`edit_closed`, `edit_limit`)",
              content: errorResponses[400].content,
            },
          }
        : {}),
    },
  });

const approveRoute = decision(
  "approve",
  "Publish a held comment to everyone (moderators); the reason goes to the mod log",
  "Published: a new id and seq of this moment (a comment hidden by reports keeps its own id)",
);
const denyRoute = decision("deny", "Remove a held comment and tell its author (moderators); the reason goes to the mod log", "Removed; `comment` is null");

export const heldRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(listRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const before = cursor === undefined ? undefined : (decodeCursor(cursor, HeldCursor) ?? undefined);
    if (cursor !== undefined && before === undefined) throw new ApiError(400, "invalid_request", "invalid cursor");
    const page = unwrapRoom(
      await roomFor(c.env, target).listHeld({ target, actor: actorOf(c.var.user, target), limit, ...(before === undefined ? {} : { before }) }),
    );
    return c.json({ items: page.items, nextCursor: page.next === null ? null : encodeCursor(page.next) }, 200);
  })
  .openapi(approveRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    // The body is optional; an empty reason is none.
    const reason = c.req.valid("json")?.reason || undefined;
    const result = unwrapRoom(
      await roomFor(c.env, target).approveHeld({ target, actor: actorOf(c.var.user, target), heldId: id, ...(reason === undefined ? {} : { reason }) }),
    );
    c.executionCtx.waitUntil(purgeTargetViews(target));
    return c.json(result, 200);
  })
  .openapi(denyRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    // The body is optional; an empty reason is none.
    const reason = c.req.valid("json")?.reason || undefined;
    return c.json(
      unwrapRoom(await roomFor(c.env, target).denyHeld({ target, actor: actorOf(c.var.user, target), heldId: id, ...(reason === undefined ? {} : { reason }) })),
      200,
    );
  });
