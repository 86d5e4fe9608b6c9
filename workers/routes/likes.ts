import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { LikeRequest, LikeResult, ToggleRequest } from "../../protocol/likes";
import type { LikeOp } from "../../protocol/internal/room-rpc";
import { assertBodyUserMatches, requireUser } from "../auth";
import type { AppBindings } from "../app-types";
import { ApiError, validationHook } from "../errors";
import { purgeTargetViews } from "../edge-cache";
import { bearerSecurity, errorResponses, limitResponses, WriteHeaders } from "../openapi-common";
import { LikeCoalescer } from "../like-coalescer";
import { applyLikesRouted } from "../../platform/like-router";
import type { AppEnv } from "../../platform/env";

const likeResponses = {
  200: { description: "The state after the write", content: { "application/json": { schema: LikeResult } } },
  ...errorResponses,
  422: { description: "Idempotency-Key reused for another action", content: errorResponses[400].content },
  ...limitResponses,
} as const;

const likeRoute = createRoute({
  method: "post",
  path: "/v1/likes",
  summary: "Like or unlike a target (idempotent)",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: {
    headers: WriteHeaders,
    body: { required: true, content: { "application/json": { schema: LikeRequest } } },
  },
  responses: likeResponses,
});

const toggleRoute = createRoute({
  method: "post",
  path: "/v1/likes/toggle",
  summary: "Flip the caller's like on a target",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: {
    headers: WriteHeaders,
    body: { required: true, content: { "application/json": { schema: ToggleRequest } } },
  },
  responses: likeResponses,
});

/** One per isolate: likes for the same target from concurrent requests share an RPC. */
const likeCoalescer = new LikeCoalescer();

async function applyOne(
  env: AppEnv,
  waitUntil: (promise: Promise<unknown>) => void,
  target: string,
  op: LikeOp,
  requestId?: string,
): Promise<LikeResult> {
  // Batches go through the shard router: one room RPC for an unsharded target, one per
  // shard for a sharded one, never a "moved" outcome. Each op names its own request, so a
  // batch carries every coalesced request's id, not only the sender's.
  const own: LikeOp = requestId === undefined ? op : { ...op, requestId };
  const outcome = await likeCoalescer.submit(target, own, async (batchTarget, ops) => {
    const outcomes = await applyLikesRouted(env, batchTarget, ops, requestId);
    // One purge per batch, not per like: it starts after every change in the batch committed,
    // so it clears whatever any of them made stale, for two cache deletes instead of 2 x N.
    // It runs in the request that sent the batch (its own waitUntil, its own I/O).
    if (outcomes.some((answer) => answer.ok && answer.result.changed)) waitUntil(purgeTargetViews(batchTarget));
    return outcomes;
  });
  if (!outcome.ok) {
    const { error } = outcome;
    if (error.code === "rate_limited" || error.code === "quota_exceeded") {
      const retryAfterSeconds = error.retryAfterSeconds;
      throw new ApiError(429, error.code, error.message, { retryAfterSeconds }, { "Retry-After": String(retryAfterSeconds) });
    }
    throw new ApiError(error.code === "idempotency_conflict" ? 422 : 400, error.code, error.message);
  }
  return outcome.result;
}

export const likesRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .openapi(likeRoute, async (c) => {
    const user = c.var.user;
    const body = c.req.valid("json");
    assertBodyUserMatches(body.user_id, user.sub);
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const op: LikeOp = { userId: user.sub, action: body.action, ...(idempotencyKey ? { idempotencyKey } : {}) };
    return c.json(await applyOne(c.env, (p) => c.executionCtx.waitUntil(p), body.target, op, c.var.requestId), 200);
  })
  .openapi(toggleRoute, async (c) => {
    const user = c.var.user;
    const body = c.req.valid("json");
    assertBodyUserMatches(body.user_id, user.sub);
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const op: LikeOp = { userId: user.sub, action: "toggle", ...(idempotencyKey ? { idempotencyKey } : {}) };
    return c.json(await applyOne(c.env, (p) => c.executionCtx.waitUntil(p), body.target, op, c.var.requestId), 200);
  });
