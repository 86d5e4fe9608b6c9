import type { RoomResult } from "../protocol/internal/room-rpc";
import { ApiError } from "./errors";

/** Turns a room's refusal into the API's error response (with Retry-After when it has one). */
export function unwrapRoom<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  const { status, code, message, retryAfterSeconds } = result.error;
  if (retryAfterSeconds === undefined) throw new ApiError(status, code, message);
  throw new ApiError(status, code, message, { retryAfterSeconds }, { "Retry-After": String(retryAfterSeconds) });
}
