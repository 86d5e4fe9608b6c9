import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CommentId } from "../../../protocol/comments";
import { Report, ReportBody, ReportGroupsResponse, ReportId, ReportsQuery, ReportsResponse, ResolveReportsBody, ResolveReportsResult } from "../../../protocol/moderation";
import { ReportGroupCursor } from "../../../protocol/internal/moderation-rpc";
import { TargetId } from "../../../protocol/target";
import { purgeTargetViews } from "../../edge-cache";
import { actorOf, requireUser } from "../../auth";
import type { AppBindings } from "../../app-types";
import { decodeCursor, encodeCursor } from "../../cursor";
import { ApiError, validationHook } from "../../errors";
import { bearerSecurity, errorResponses } from "../../openapi-common";
import { unwrapRoom } from "../../room-result";
import { roomFor } from "../../../platform/rooms";
import { json, moderatorErrors, moderatorWriteErrors, TargetParams } from "./common";

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

const groupsRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/reports/by-comment",
  summary: "Open reports grouped by comment, the most recently reported first, with their count and newest reasons, cursor paged (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: TargetParams, query: ReportsQuery },
  responses: { 200: json(ReportGroupsResponse, "One page of reported comments; `nextCursor` null on the last"), ...moderatorErrors },
});

const resolveRoute = createRoute({
  method: "post",
  path: "/v1/targets/{target}/reports/{commentId}/resolve",
  summary:
    "Close a comment's reports: `dismiss` keeps the comment (one the room's `hideAfterReports` hid is published again under its own id), `remove` deletes it; recorded in the mod log (moderators)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: {
    params: z.object({ target: TargetId, commentId: CommentId }),
    body: { required: true, content: { "application/json": { schema: ResolveReportsBody } } },
  },
  responses: {
    200: json(ResolveReportsResult, "The reports closed"),
    ...moderatorWriteErrors,
    404: { description: "The comment has no open reports", content: errorResponses[400].content },
    409: {
      description: "`dismiss` of a comment its reports hid, which the archive moved past while it was hidden (`archived_past`): remove it instead; its reports stay open",
      content: errorResponses[400].content,
    },
  },
});

const ReportsCursor = z.tuple([ReportId]);

export const reportRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(reportRoute, async (c) => {
    const { target, id } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    const { created, report } = unwrapRoom(
      await roomFor(c.env, target).reportComment({ target, actor: actorOf(c.var.user, target), commentId: id, reason }),
    );
    // Enough reports hide the comment (the room's hideAfterReports), which changes the cached stats.
    if (created) c.executionCtx.waitUntil(purgeTargetViews(target));
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
  })
  .openapi(groupsRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const before = cursor === undefined ? undefined : (decodeCursor(cursor, ReportGroupCursor) ?? undefined);
    if (cursor !== undefined && before === undefined) throw new ApiError(400, "invalid_request", "invalid cursor");
    const page = unwrapRoom(
      await roomFor(c.env, target).listReportGroups({ target, actor: actorOf(c.var.user, target), limit, ...(before === undefined ? {} : { before }) }),
    );
    return c.json({ groups: page.groups, nextCursor: page.nextBefore === null ? null : encodeCursor(page.nextBefore) }, 200);
  })
  .openapi(resolveRoute, async (c) => {
    const { target, commentId } = c.req.valid("param");
    const resolution = c.req.valid("json");
    const resolved = unwrapRoom(await roomFor(c.env, target).resolveReports({ target, actor: actorOf(c.var.user, target), commentId, resolution }));
    // `remove` deletes the comment and `dismiss` may bring back one its reports hid: pages and counts change.
    c.executionCtx.waitUntil(purgeTargetViews(target));
    return c.json(resolved, 200);
  });
