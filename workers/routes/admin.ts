import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { ReconcileReport, ReconcileRequest } from "../../protocol/reconcile";
import { requireAdmin } from "../admin-auth";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { ApiError, validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { lastReconcileReport, reconcileIndexes } from "../reconcile";

const reportContent = { "application/json": { schema: ReconcileReport } };

const runRoute = createRoute({
  method: "post",
  path: "/v1/admin/reconcile",
  summary: "Run a reconciliation now (what the cron does); admin only",
  description:
    "Compares users' own like indexes with the rooms and repairs them: the next sample of recently active targets, or the `targets` given (which leaves the sample's cursor alone). The body is optional.",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { body: { required: false, content: { "application/json": { schema: ReconcileRequest } } } },
  responses: {
    200: { description: "The run's report", content: reportContent },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const lastRoute = createRoute({
  method: "get",
  path: "/v1/admin/reconcile/last",
  summary: "Report of the latest reconciliation run; admin only",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  responses: {
    200: { description: "The latest report", content: reportContent },
    401: errorResponses[401],
    403: errorResponses[403],
    404: { description: "No run yet", content: errorResponses[400].content },
  },
});

export const adminRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(runRoute, async (c) => c.json(await reconcileIndexes(c.env, "admin", c.req.valid("json")), 200))
  .openapi(lastRoute, async (c) => {
    const report = await lastReconcileReport(c.env.DB);
    if (report === null) throw new ApiError(404, "not_found", "no reconciliation has run yet");
    return c.json(report, 200);
  });
