import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { BackfillRequest, UserIndexBackfillStep } from "../../protocol/backfill";
import { requireAdmin } from "../admin-auth";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { backfillUserIndexes } from "../backfill/user-indexes";
import { validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";

/** Backfills from a deployment before issue 17, one bounded step per call (scripts/backfill.ts loops). */
const userIndexesRoute = createRoute({
  method: "post",
  path: "/v1/admin/backfill/user-indexes",
  summary: "One step of rebuilding users' own like indexes from the rooms; admin only",
  description:
    "Lists the next targets named by the legacy D1 tables (`target_counts`, `user_likes`, `comments`), makes every liker's index (and every recent unliker's) agree with the target's room and like shards, and files the target in the index of every user the room names by a comment, a reaction or a role. Resumable (`cursor`) and idempotent: call with `nextCursor` until `done`.",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { body: { required: false, content: { "application/json": { schema: BackfillRequest } } } },
  responses: {
    200: { description: "What this step did, and where the next one starts", content: { "application/json": { schema: UserIndexBackfillStep } } },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

export const backfillRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(userIndexesRoute, async (c) =>
  c.json(await backfillUserIndexes(c.env, c.req.valid("json")), 200),
);
