import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { LikeEntry } from "../../protocol/internal/user-index";
import { TargetId, UserId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { ApiError, validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { requireUser } from "../auth";
import { requireAdmin } from "../admin-auth";
import { userIndexFor } from "../user-objects";

/**
 * The floor `npm run bench` measures the room against (durable-objects/bench/bench-floor.ts),
 * reached through the same Worker, middleware and runtime as the room's own routes, so the
 * two sides differ only by what the objects do. Every route here sits under /v1/dev/, whose
 * guard answers 404 outside development or off loopback (workers/dev-guard.ts).
 */

/**
 * How many users one convergence read asks about (one user-object RPC each); 300 ids of up to
 * ~50 characters keep the body under the 16 KB every /v1/ body is held to (body-limits.ts).
 */
export const MAX_INDEX_ENTRIES = 300;

const FloorName = z.string().regex(/^[a-z0-9-]{1,64}$/);
const devOnly = { description: "Not in development, or not on a loopback host", content: errorResponses[400].content };

const floorLiveRoute = createRoute({
  method: "get",
  path: "/v1/dev/bench/floor/{name}/live",
  summary: "Development on loopback only (404 elsewhere): a WebSocket held by the bench's floor object, which only ever sends `count` frames",
  request: { params: z.object({ name: FloorName }) },
  responses: {
    101: { description: "Switching to the WebSocket protocol; the first frame is `{ type: \"hello\", seq: 0 }`" },
    400: errorResponses[400],
    404: devOnly,
    426: { description: "Not a WebSocket upgrade", content: errorResponses[400].content },
  },
});

export const FloorFireBody = z.strictObject({ name: FloorName, seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
export const FloorFireResult = z.object({ sockets: z.number().int().nonnegative() });

const floorFireRoute = createRoute({
  method: "post",
  path: "/v1/dev/bench/floor/fire",
  summary: "Development on loopback only (404 elsewhere), admin token: the floor sends `{ type: \"count\", count: seq, seq }` to every socket it holds",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { body: { required: true, content: { "application/json": { schema: FloorFireBody } } } },
  responses: {
    200: { description: "How many sockets the frame went to", content: { "application/json": { schema: FloorFireResult } } },
    400: errorResponses[400],
    401: errorResponses[401],
    403: { description: "The token lacks the admin role", content: errorResponses[400].content },
    404: devOnly,
  },
});

export const IndexEntriesBody = z.strictObject({ target: TargetId, userIds: z.array(UserId).min(1).max(MAX_INDEX_ENTRIES) });
export const IndexEntriesResult = z.object({ entries: z.array(LikeEntry.extend({ userId: UserId }).nullable()) });

const indexEntriesRoute = createRoute({
  method: "post",
  path: "/v1/dev/bench/index-entries",
  summary: "Development on loopback only (404 elsewhere), admin token: each user's index entry for a target, with when the room changed it and when the index stored it",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { body: { required: true, content: { "application/json": { schema: IndexEntriesBody } } } },
  responses: {
    200: { description: "One entry per user in order; null where the index has none (yet)", content: { "application/json": { schema: IndexEntriesResult } } },
    400: errorResponses[400],
    401: errorResponses[401],
    403: { description: "The token lacks the admin role", content: errorResponses[400].content },
    404: devOnly,
  },
});

const floorFor = (c: { env: AppBindings["Bindings"] }, name: string) => c.env.BENCH_FLOOR.get(c.env.BENCH_FLOOR.idFromName(`floor:${name}`));

export const benchFloorRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(floorLiveRoute, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "upgrade_required", "expected a WebSocket upgrade", undefined, { Upgrade: "websocket" });
    }
    return floorFor(c, c.req.valid("param").name).fetch(new Request("https://floor/live", { headers: { upgrade: "websocket" } }));
  })
  .openapi(floorFireRoute, async (c) => {
    const { name, seq } = c.req.valid("json");
    return c.json({ sockets: await floorFor(c, name).fire(seq) }, 200);
  })
  .openapi(indexEntriesRoute, async (c) => {
    const { target, userIds } = c.req.valid("json");
    const entries = await Promise.all(
      userIds.map(async (userId) => {
        const entry = await userIndexFor(c.env, userId).likeEntry(target);
        return entry === null ? null : { userId, ...entry };
      }),
    );
    return c.json({ entries }, 200);
  });
