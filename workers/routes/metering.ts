import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { MeteringResponse } from "../../protocol/metering";
import type { AppBindings } from "../app-types";
import { validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { requireUser } from "../auth";
import { requireAdmin } from "../admin-auth";
import { meteringReport } from "../dev-metering";

const meteringRoute = createRoute({
  method: "get",
  path: "/v1/dev/metering",
  summary:
    "Development on loopback only (404 elsewhere), admin token: what the Worker and its Durable Objects asked of D1, Queues, R2 and other objects, for `npm run simulate`",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  responses: {
    200: { description: "The counters of this runtime since it started", content: { "application/json": { schema: MeteringResponse } } },
    401: errorResponses[401],
    403: { description: "The token lacks the admin role", content: errorResponses[400].content },
    404: { description: "Not in development, or not on a loopback host", content: errorResponses[400].content },
  },
});

export const meteringRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(meteringRoute, (c) =>
  c.json(meteringReport(), 200),
);
