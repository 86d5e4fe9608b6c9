import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { HealthReport, RoomMetricsReport } from "../../protocol/operations";
import { TargetId } from "../../protocol/target";
import { requireAdmin } from "../admin-auth";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { validationHook } from "../errors";
import { healthReport } from "../health";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { roomFor } from "../../platform/rooms";

const metricsRoute = createRoute({
  method: "get",
  path: "/v1/admin/targets/{target}/metrics",
  summary: "A room's operational counters (likes/s, writes, outbox backlog, sockets, frames); admin only",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { params: z.object({ target: TargetId }) },
  responses: {
    200: { description: "The room's counters since it last woke up", content: { "application/json": { schema: RoomMetricsReport } } },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const healthRoute = createRoute({
  method: "get",
  path: "/v1/admin/health",
  summary: "D1, queue consumer, outbox backlog, reconciliation and request rates, each ok|warn|fail; admin only",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  responses: {
    200: { description: "The report; `status` is the worst check", content: { "application/json": { schema: HealthReport } } },
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

export const operationsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(metricsRoute, async (c) => {
    const { target } = c.req.valid("param");
    return c.json(await roomFor(c.env, target).metrics(target), 200);
  })
  .openapi(healthRoute, async (c) => c.json(await healthReport(c.env), 200));
