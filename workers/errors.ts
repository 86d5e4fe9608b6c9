import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import type { ErrorBody } from "../protocol/errors";
import { logEvent } from "../platform/log";

/** An error meant for the caller: it becomes `{ error: { code, message, details? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

export function validationError(error: ZodError, where: string): ApiError {
  const issues = error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
  return new ApiError(400, "invalid_request", `invalid ${where}`, issues);
}

const HTTP_EXCEPTION_CODES: Record<number, string> = {
  400: "invalid_json",
  401: "unauthorized",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** The single place that turns a thrown error into a response; internals never reach clients. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return c.json(errorBody(HTTP_EXCEPTION_CODES[status] ?? "invalid_request", err.message || "bad request"), status);
  }
  logEvent("request_failed", { path: c.req.path, method: c.req.method, error: String(err) });
  return c.json(errorBody("internal", "internal error"), 500);
}

/** zod-openapi calls this after each validator; failures become our 400 shape. */
export function validationHook(
  result: { success: true } | { success: false; error: ZodError; target: string },
  _c: Context,
): void {
  if (!result.success) throw validationError(result.error, result.target === "json" ? "body" : result.target);
}
