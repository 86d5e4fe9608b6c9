import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { RelaySettings, RelaysResponse } from "../../protocol/relays";
import { TargetId } from "../../protocol/target";
import { requireAdmin } from "../admin-auth";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { roomFor } from "../../platform/rooms";

const params = z.object({ target: TargetId });
const relaysContent = { "application/json": { schema: RelaysResponse } };

const setRoute = createRoute({
  method: "put",
  path: "/v1/admin/targets/{target}/relays",
  summary: "Set when a target's new live viewers go to relay objects (threshold) and how many each holds (perRelay); admin only",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { params, body: { required: true, content: { "application/json": { schema: RelaySettings } } } },
  responses: {
    200: { description: "The target's relay settings and relays after the change", content: relaysContent },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/admin/targets/{target}/relays",
  summary: "A target's relay settings, its own sockets and each relay's reported sockets; admin only",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { params },
  responses: {
    200: { description: "The target's relay settings and relays", content: relaysContent },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

export const relaysRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(setRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { threshold, perRelay } = c.req.valid("json");
    return c.json(await roomFor(c.env, target).setRelaySettings({ target, threshold, perRelay }), 200);
  })
  .openapi(getRoute, async (c) => {
    const { target } = c.req.valid("param");
    return c.json(await roomFor(c.env, target).relaySettings(target), 200);
  });
