import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { SetShardsRequest, ShardConfigResponse } from "../../protocol/shards";
import { TargetId } from "../../protocol/target";
import { requireAdmin } from "../admin-auth";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { unwrapRoom } from "../room-result";
import { roomFor } from "../../platform/rooms";
import { rememberShardConfig } from "../../platform/like-router";

const params = z.object({ target: TargetId });
const configContent = { "application/json": { schema: ShardConfigResponse } };

const setRoute = createRoute({
  method: "put",
  path: "/v1/admin/targets/{target}/shards",
  summary: "Spread a hot target's likes over N shard objects (1-64); a new N starts a new epoch; admin only",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { params, body: { required: true, content: { "application/json": { schema: SetShardsRequest } } } },
  responses: {
    200: { description: "The target's shard config after the change", content: configContent },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: { description: "The shard count changed too many times already", content: errorResponses[400].content },
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/admin/targets/{target}/shards",
  summary: "A target's shard config (n = 0: not sharded); admin only",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { params },
  responses: {
    200: { description: "The target's shard config", content: configContent },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

export const shardsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(setRoute, async (c) => {
    const { target } = c.req.valid("param");
    const { n } = c.req.valid("json");
    const config = unwrapRoom(await roomFor(c.env, target).setShards({ target, n }));
    rememberShardConfig(target, config);
    return c.json({ target, ...config }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { target } = c.req.valid("param");
    const config = await roomFor(c.env, target).shardConfig(target);
    return c.json({ target, ...config }, 200);
  });
