import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { CommentArchiveBackfillReport, CommentArchiveBackfillRequest } from "../../protocol/comment-backfill";
import { requireAdmin } from "../admin-auth";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { backfillCommentArchive } from "../comment-archive-backfill";
import { validationHook } from "../errors";
import { bearerSecurity, errorResponses } from "../openapi-common";

const backfillRoute = createRoute({
  method: "post",
  path: "/v1/admin/backfill/comment-archive",
  summary:
    "Move the legacy D1 comment archive into the rooms' R2 archives, a few targets per call; call again with nextCursor until done (a rerun moves nothing); admin only",
  tags: ["admin"],
  security: bearerSecurity,
  middleware: [requireUser, requireAdmin] as const,
  // No body (or no Content-Type) means the defaults, as for the user-index backfill.
  request: { body: { required: false, content: { "application/json": { schema: CommentArchiveBackfillRequest } } } },
  responses: {
    200: { description: "What this call moved, and where the next one continues", content: { "application/json": { schema: CommentArchiveBackfillReport } } },
    400: { description: "Invalid body, or a cursor this route did not answer (`invalid_cursor`)", content: errorResponses[400].content },
    401: errorResponses[401],
    403: errorResponses[403],
    503: {
      description:
        "No SUBJECT_KEY_SECRET (`subject_key_missing`), or a room could not write its archive (`backfill_room_unavailable`): call again with the same cursor",
      content: errorResponses[400].content,
    },
  },
});

export const commentBackfillRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(backfillRoute, async (c) =>
  c.json(await backfillCommentArchive(c.env, c.req.valid("json")), 200),
);
