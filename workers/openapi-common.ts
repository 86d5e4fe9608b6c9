import { z } from "zod";
import { ErrorBody } from "../protocol/errors";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "../protocol/internal/room-rpc";

const errorContent = { "application/json": { schema: ErrorBody } };

export const errorResponses = {
  400: { description: "Invalid request", content: errorContent },
  401: { description: "Missing, invalid or expired token, or claims it cannot read (the message names the claim)", content: errorContent },
  403: { description: "Authenticated but not allowed", content: errorContent },
  // workers/openapi-document.ts states each route's own limit (and adds 415) where a body is allowed.
  413: { description: "Body over the size limit", content: errorContent },
} as const;

/**
 * Every write that counts against a limit: per room (likes+reactions, comments, slow mode),
 * per user across rooms (writes, moderation writes), or a daily quota (`quota_exceeded`: rooms
 * first written, targets registered). A repeated Idempotency-Key is answered as the first time
 * instead. See docs/operations.md "Limits".
 */
export const limitResponses = {
  429: { description: "Over a limit (`rate_limited`, `slow_mode` or `quota_exceeded`); Retry-After says when to try again", content: errorContent },
} as const;

export const WriteHeaders = z.object({
  "idempotency-key": z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional(),
});

export const bearerSecurity = [{ bearer: [] }];

/** Sign-in itself can fail without being the caller's fault (workers/identity/verify.ts). */
export const AUTH_503 =
  "Sign-in is misconfigured (`auth_misconfigured`, the message names the field) or the identity provider's keys cannot be fetched (`auth_unavailable`, with Retry-After)";
