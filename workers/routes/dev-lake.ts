import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppBindings } from "../app-types";
import { ApiError, validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";
import { requireUser } from "../auth";
import { requireAdmin } from "../admin-auth";
import { LAKE_PREFIX } from "../event-lake";

/**
 * The event lake through the Worker, for local development only (behind workers/dev-guard.ts
 * and an admin token, like the bench): `wrangler dev` keeps R2 in its own state directory, so
 * a test or a person reads the lake's objects here and queries them with DuckDB (docs/lake.md).
 */
const LakeKey = z
  .string()
  .min(LAKE_PREFIX.length + 1)
  .max(1_024)
  .refine((key) => key.startsWith(LAKE_PREFIX), `a lake key starts with "${LAKE_PREFIX}"`);

export const LakeListQuery = z.object({
  /** Narrows the listing, e.g. `events/dt=2026-12-06/`; must stay inside the lake. */
  prefix: z.string().max(1_024).refine((prefix) => prefix.startsWith(LAKE_PREFIX), `a prefix starts with "${LAKE_PREFIX}"`).default(LAKE_PREFIX),
  cursor: z.string().min(1).max(1_024).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(1_000),
});

export const LakeObjectSummary = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  uploaded: z.string(),
  /** How many events (NDJSON lines) the object holds. */
  events: z.number().int().nonnegative().nullable(),
});

export const LakeListResponse = z.object({
  objects: z.array(LakeObjectSummary),
  /** Pass back as `cursor` for the next page; null on the last one. */
  cursor: z.string().nullable(),
});
export type LakeListResponse = z.infer<typeof LakeListResponse>;

const devOnly = {
  401: errorResponses[401],
  403: { description: "The token lacks the admin role", content: errorResponses[400].content },
  404: { description: "Not in development, or not on a loopback host (or, for an object, no such key)", content: errorResponses[400].content },
} as const;

const listRoute = createRoute({
  method: "get",
  path: "/v1/dev/lake",
  summary: "Development on loopback only (404 elsewhere), admin token: lists event lake objects (docs/lake.md), in key order",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { query: LakeListQuery },
  responses: {
    200: { description: "One page of lake objects", content: { "application/json": { schema: LakeListResponse } } },
    400: errorResponses[400],
    ...devOnly,
  },
});

const objectRoute = createRoute({
  method: "get",
  path: "/v1/dev/lake/object",
  summary: "Development on loopback only (404 elsewhere), admin token: one lake object's bytes (gzipped NDJSON, as stored)",
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  request: { query: z.object({ key: LakeKey }) },
  responses: {
    200: { description: "The object as stored: gzip bytes of NDJSON, one event per line", content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } } },
    400: errorResponses[400],
    ...devOnly,
  },
});

export const devLakeRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(listRoute, async (c) => {
    const { prefix, cursor, limit } = c.req.valid("query");
    const page = await c.env.LAKE.list({ prefix, limit, include: ["customMetadata"], ...(cursor === undefined ? {} : { cursor }) });
    const objects = page.objects.map((object) => {
      const events = Number(object.customMetadata?.events);
      return { key: object.key, size: object.size, uploaded: object.uploaded.toISOString(), events: Number.isInteger(events) ? events : null };
    });
    return c.json({ objects, cursor: page.truncated ? page.cursor : null } satisfies LakeListResponse, 200);
  })
  .openapi(objectRoute, async (c) => {
    const { key } = c.req.valid("query");
    const object = await c.env.LAKE.get(key);
    if (object === null) throw new ApiError(404, "not_found", "no lake object with this key");
    return new Response(object.body, { status: 200, headers: { "content-type": "application/gzip", "content-length": String(object.size) } });
  });
