import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ModLogQuery, ModLogResponse } from "../../../protocol/moderation";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { decodeCursor, encodeCursor } from "../../cursor";
import { ApiError, validationHook } from "../../errors";
import { bearerSecurity } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, TargetParams } from "./common";

const listRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/modlog",
  summary: "The room's mod log: who did what to whom and when, newest first, cursor paged (moderators)",
  description: "The room keeps its newest 1,000 entries; no entry holds a removed comment's text. See docs/moderation.md.",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, query: ModLogQuery },
  responses: { 200: json(ModLogResponse, "One page of entries; `nextCursor` null on the last"), ...moderatorErrors },
});

const ModLogCursor = z.tuple([z.number().int().min(1)]);

export const modLogRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(listRoute, async (c) => {
  const { target } = c.req.valid("param");
  const { cursor, limit } = c.req.valid("query");
  const before = cursor === undefined ? undefined : decodeCursor(cursor, ModLogCursor)?.[0];
  if (cursor !== undefined && before === undefined) throw new ApiError(400, "invalid_request", "invalid cursor");
  const page = unwrapRoom(
    await roomFor(c.env, target).readModLog({ target, actor: actorOf(c.var.user, target), limit, ...(before === undefined ? {} : { before }) }),
  );
  return c.json({ entries: page.entries, nextCursor: page.nextBefore === null ? null : encodeCursor([page.nextBefore]) }, 200);
});
