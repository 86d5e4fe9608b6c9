import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "./app-types";
import { limitBodies } from "./body-limits";
import { handleError, validationHook } from "./errors";
import { openApiDocument, registerSharedComponents, tagRoutes } from "./openapi-document";
import { countsRoutes } from "./routes/counts";
import { likesRoutes } from "./routes/likes";
import { liveRoutes } from "./routes/live";
import { liveTicketsRoutes } from "./routes/live-tickets";
import { systemRoutes } from "./routes/system";
import { usersRoutes } from "./routes/users";
import { analyticsRoutes } from "./routes/analytics";
import { adminRoutes } from "./routes/admin";
import { commentBackfillRoutes } from "./routes/comment-backfill";
import { backfillRoutes } from "./routes/backfill";
import { deletionsRoutes } from "./routes/deletions";
import { commentsRoutes } from "./routes/comments";
import { benchRoutes } from "./routes/bench";
import { benchFloorRoutes } from "./routes/bench-floor";
import { meteringRoutes } from "./routes/metering";
import { devLakeRoutes } from "./routes/dev-lake";
import { reactionsRoutes } from "./routes/reactions";
import { moderationRoutes } from "./routes/moderation";
import { observeRequests } from "./observe-requests";
import { corsHeaders } from "./cors";
import { operationsRoutes } from "./routes/operations";
import { devRoutes } from "./routes/dev";
import { shardsRoutes } from "./routes/shards";
import { relaysRoutes } from "./routes/relays";
import { DEV_ROUTES_PREFIX, requireLocalDevelopment } from "./dev-guard";

export { MAX_BODY_BYTES, MAX_MEMBERS_BODY_BYTES } from "./body-limits";

export function createApp() {
  const app = new OpenAPIHono<AppBindings>({ defaultHook: validationHook });

  app.use("*", observeRequests);
  // Before anything that can refuse a request, so every answer carries the CORS headers.
  app.use("*", corsHeaders);
  app.use("/v1/*", limitBodies);

  // Before any route: the development-only routes (token, faults, bench) share this one guard.
  app.use(`${DEV_ROUTES_PREFIX}*`, requireLocalDevelopment);

  // Before mounting: mounting copies each route's definition for the document.
  tagRoutes({
    system: systemRoutes,
    likes: likesRoutes,
    comments: commentsRoutes,
    reactions: reactionsRoutes,
    counts: countsRoutes,
    users: usersRoutes,
    deletions: deletionsRoutes,
    analytics: analyticsRoutes,
    admin: adminRoutes,
    backfill: backfillRoutes,
    moderation: moderationRoutes,
    operations: operationsRoutes,
    bench: benchRoutes,
    "bench floor": benchFloorRoutes,
    metering: meteringRoutes,
    lake: devLakeRoutes,
    shards: shardsRoutes,
    relays: relaysRoutes,
    live: liveRoutes,
  });
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
    .route("/", commentBackfillRoutes)
    .route("/", backfillRoutes)
    .route("/", moderationRoutes)
    .route("/", operationsRoutes)
    .route("/", benchRoutes)
    .route("/", benchFloorRoutes)
    .route("/", meteringRoutes)
    .route("/", devLakeRoutes)
    .route("/", shardsRoutes)
    .route("/", relaysRoutes)
    .route("/", liveTicketsRoutes)
    .route("/", liveRoutes);
  // Development sign-in for the live page; answers 404 unless ENVIRONMENT is "development".
  app.route("/", devRoutes);

  registerSharedComponents(app);
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get("/openapi.json", (c) => c.json((document ??= openApiDocument(app))));

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
