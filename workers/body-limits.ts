import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors";

export const MAX_BODY_BYTES = 16 * 1024;
/** A full members list: 1,000 user ids of up to 128 characters each, quoted. */
export const MAX_MEMBERS_BODY_BYTES = 136 * 1024;
const MEMBERS_LIST_PATH = /^\/v1\/targets\/[^/]+\/members$/;
/** Every request under this prefix has its body bounded; /openapi.json documents the same rule. */
export const BODY_LIMITED_PREFIX = "/v1/";

/**
 * The one rule for how large a body may be, read by the middleware below and by the
 * document (workers/openapi-document.ts), so the 413 it describes is the 413 it answers.
 * `path` may be a request path or a document template (`/v1/targets/{target}/members`).
 */
export function maxBodyBytes(method: string, path: string): number {
  return method.toUpperCase() === "PUT" && MEMBERS_LIST_PATH.test(path) ? MAX_MEMBERS_BODY_BYTES : MAX_BODY_BYTES;
}

function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `body over ${maxSize} bytes`);
    },
  });
}

export const limitBodies: MiddlewareHandler = (c, next) => limitBody(maxBodyBytes(c.req.method, c.req.path))(c, next);
