import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { AppBindings } from "./app-types";
import { ApiError, handleError, validationHook } from "./errors";
import { countsRoutes } from "./routes/counts";
import { likesRoutes } from "./routes/likes";
import { liveRoutes } from "./routes/live";
import { systemRoutes } from "./routes/system";
import { usersRoutes } from "./routes/users";
import { analyticsRoutes } from "./routes/analytics";
import { adminRoutes } from "./routes/admin";
import { deletionsRoutes } from "./routes/deletions";
import { commentsRoutes } from "./routes/comments";
import { benchRoutes } from "./routes/bench";
import { reactionsRoutes } from "./routes/reactions";
import { moderationRoutes } from "./routes/moderation";
import { observeRequests } from "./observe-requests";
import { operationsRoutes } from "./routes/operations";
import { devRoutes } from "./routes/dev";
import { shardsRoutes } from "./routes/shards";
import { relaysRoutes } from "./routes/relays";
import { DEV_ROUTES_PREFIX, requireLocalDevelopment } from "./dev-guard";

export const MAX_BODY_BYTES = 16 * 1024;
/** A full members list: 1,000 user ids of up to 128 characters each, quoted. */
export const MAX_MEMBERS_BODY_BYTES = 136 * 1024;
const MEMBERS_LIST_PATH = /^\/v1\/targets\/[^/]+\/members$/;

function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `body over ${maxSize} bytes`);
    },
  });
}

export function createApp() {
  const app = new OpenAPIHono<AppBindings>({ defaultHook: validationHook });

  app.use("*", observeRequests);
  const defaultBodyLimit = limitBody(MAX_BODY_BYTES);
  const membersBodyLimit = limitBody(MAX_MEMBERS_BODY_BYTES);
  app.use("/v1/*", (c, next) =>
    c.req.method === "PUT" && MEMBERS_LIST_PATH.test(c.req.path) ? membersBodyLimit(c, next) : defaultBodyLimit(c, next),
  );

  // Before any route: the development-only routes (token, faults, bench) share this one guard.
  app.use(`${DEV_ROUTES_PREFIX}*`, requireLocalDevelopment);

  const routes = app
    .route("/", systemRoutes)
    .route("/", likesRoutes)
    .route("/", commentsRoutes)
    .route("/", reactionsRoutes)
    .route("/", countsRoutes)
    .route("/", usersRoutes)
    .route("/", deletionsRoutes)
    .route("/", analyticsRoutes)
    .route("/", adminRoutes)
    .route("/", moderationRoutes)
    .route("/", operationsRoutes)
    .route("/", benchRoutes)
    .route("/", shardsRoutes)
    .route("/", relaysRoutes)
    .route("/", liveRoutes);
  // Development sign-in for the live page; answers 404 unless ENVIRONMENT is "development".
  app.route("/", devRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Edge engagement API",
      version: "1.0.0",
      description: "Likes, reactions and live comments on Cloudflare Workers and Durable Objects.",
    },
  });

  app.get("/", (c) =>
    c.json({
      name: "edge-engagement",
      docs: "/openapi.json",
      health: "/health",
      try: "POST /v1/likes with a token from `npm run token -- <userId>`",
    }),
  );
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError(handleError);
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
