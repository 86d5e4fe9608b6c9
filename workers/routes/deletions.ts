import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { DeletionReceiptResponse } from "../../protocol/deletion";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { findOwnReceipt, receiptView } from "../deletion/receipts";
import { startDeletion } from "../deletion/start";
import { ApiError, validationHook } from "../errors";
import { AUTH_503, bearerSecurity, errorResponses } from "../openapi-common";
import { subjectKey, subjectKeySecret } from "../subject-key";

const receiptContent = { "application/json": { schema: DeletionReceiptResponse } };

const deleteMeRoute = createRoute({
  method: "delete",
  path: "/v1/users/me",
  summary: "Forget the caller: likes removed (counts drop), events anonymised; progress via the receipt",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  responses: {
    202: { description: "Accepted; the same receipt is returned while it is unfinished", content: receiptContent },
    401: errorResponses[401],
    503: { description: `${AUTH_503}, or the server has no SUBJECT_KEY_SECRET of its own (\`subject_key_missing\`)`, content: errorResponses[400].content },
  },
});

const receiptRoute = createRoute({
  method: "get",
  path: "/v1/users/me/deletions/{id}",
  summary: "Progress of the caller's deletion",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { params: z.object({ id: z.string().uuid() }) },
  responses: {
    200: { description: "The receipt", content: receiptContent },
    400: errorResponses[400],
    401: errorResponses[401],
    404: { description: "No such receipt for this user", content: errorResponses[400].content },
    503: { description: `${AUTH_503}, or the server has no SUBJECT_KEY_SECRET of its own (\`subject_key_missing\`)`, content: errorResponses[400].content },
  },
});

export const deletionsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(deleteMeRoute, async (c) => {
    const receipt = await startDeletion(c.env, c.var.user.sub);
    return c.json(receipt, 202, { Location: `/v1/users/me/deletions/${receipt.receiptId}` });
  })
  .openapi(receiptRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await findOwnReceipt(c.env.DB, id, await subjectKey(subjectKeySecret(c.env), c.var.user.sub));
    // Someone else's receipt answers like a missing one, so ids cannot be probed.
    if (!row) throw new ApiError(404, "not_found", "no such deletion receipt");
    return c.json(receiptView(row), 200);
  });
