import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppBindings } from "../app-types";
import { validationHook } from "../errors";

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness; does no I/O, so benchmarks use it as the no-op ceiling",
  responses: { 200: { description: "Alive", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } } },
});

export const systemRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(healthRoute, (c) =>
  c.json({ ok: true as const }, 200),
);
