import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CommentId } from "../../../protocol/comments";
import { Report, ReportBody } from "../../../protocol/moderation";
import { ReportId, ReportsQuery, ReportsResponse } from "../../../protocol/moderation";
import { TargetId } from "../../../protocol/target";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { decodeCursor, encodeCursor } from "../../cursor";
import { ApiError, validationHook } from "../../errors";
import { bearerSecurity, errorResponses } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, TargetParams } from "./common";

const reportRoute = createRoute({
  method: "post",
  path: "/v1/targets/{target}/comments/{id}/report",
  summary: "Report a comment to the room's moderators (once per user per comment)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: {
    params: z.object({ target: TargetId, id: CommentId }),
    body: { required: true, content: { "application/json": { schema: ReportBody } } },
  },
  responses: {
    201: json(Report, "Reported"),
    200: json(Report, "Already reported by this user: the first report"),
    ...errorResponses,
    404: { description: "No such comment, or it was deleted", content: errorResponses[400].content },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/reports",
  summary: "Reports, newest first, cursor paged (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, query: ReportsQuery },
  responses: { 200: json(ReportsResponse, "One page of reports"), ...moderatorErrors },
});

const ReportsCursor = z.tuple([ReportId]);

export const reportRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(reportRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    const { created, report } = unwrapRoom(
      await roomFor(c.env, target).reportComment({ target, actor: actorOf(c.var.user, target), commentId: id, reason }),
    );
    return created ? c.json(report, 201) : c.json(report, 200);
  })
  .openapi(listRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const before = cursor === undefined ? undefined : decodeCursor(cursor, ReportsCursor)?.[0];
    if (cursor !== undefined && before === undefined) throw new ApiError(400, "invalid_request", "invalid cursor");
    const page = unwrapRoom(
      await roomFor(c.env, target).listReports({ target, actor: actorOf(c.var.user, target), limit, ...(before ? { before } : {}) }),
    );
    return c.json({ reports: page.reports, nextCursor: page.nextBefore === null ? null : encodeCursor([page.nextBefore]) }, 200);
  });
