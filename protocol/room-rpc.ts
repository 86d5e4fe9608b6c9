import { z } from "zod";
import { TargetId, UserId } from "./target";
import { LikeResult } from "./likes";

/** The longest Idempotency-Key we keep; longer keys are refused at the edge. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** One write that a Worker asks a TargetRoom to apply; many travel in one RPC. */
export const LikeOp = z.strictObject({
  userId: UserId,
  action: z.enum(["like", "unlike", "toggle"]),
  idempotencyKey: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional(),
});
export type LikeOp = z.infer<typeof LikeOp>;

export const MAX_OPS_PER_RPC = 1_000;

export const ApplyLikesInput = z.strictObject({
  target: TargetId,
  ops: z.array(LikeOp).min(1).max(MAX_OPS_PER_RPC),
});
export type ApplyLikesInput = z.infer<typeof ApplyLikesInput>;

export type OpOutcome =
  | { ok: true; result: LikeResult }
  | { ok: false; error: { code: "idempotency_conflict" | "invalid_request"; message: string } };

export interface RoomSnapshot {
  target: string;
  likes: number;
  seq: number;
  /** Open live sockets right now (exact for the room). */
  viewers: number;
}

export interface LikeStatus {
  liked: boolean;
  likedAt: number | null;
}

/**
 * Set by the Worker on the upgrade it forwards to a room, after verifying `?token=` and
 * deleting any copy the client sent. The room trusts it because only the Worker can reach
 * a room's fetch.
 */
export const LIVE_IDENTITY_HEADER = "x-engagement-live-identity";

export const LiveIdentity = z.object({
  userId: UserId,
  /** Token expiry (seconds since the epoch): socket writes stop when the token would have. */
  exp: z.number().int(),
});
export type LiveIdentity = z.infer<typeof LiveIdentity>;

/** The URL a Worker forwards a live upgrade to; the room parses it back with LiveRoomQuery. */
export function liveRoomUrl(target: string, since: number | undefined): string {
  const params = new URLSearchParams({ target });
  if (since !== undefined) params.set("since", String(since));
  return `https://target-room.internal/live?${params}`;
}

export const LiveRoomQuery = z.object({
  target: TargetId,
  since: z.coerce.number().int().nonnegative().optional(),
});
