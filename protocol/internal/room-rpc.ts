import { z } from "zod";
import { TargetId, UserId } from "../target";
import { LikeResult } from "../likes";
import type { Comment } from "../comments";
import type { RoomSettings } from "../moderation";
import { RequestId } from "../operations";
import type { ShardConfig } from "../shards";

/** The longest Idempotency-Key we keep; longer keys are refused at the edge. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** One write that a Worker asks a TargetRoom to apply; many travel in one RPC. */
export const LikeOp = z.strictObject({
  userId: UserId,
  action: z.enum(["like", "unlike", "toggle"]),
  idempotencyKey: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional(),
  /**
   * The request that asked for this op: a coalesced batch (workers/like-coalescer.ts) carries
   * many requests, and each one's id reaches the room's log lines, not only the sender's.
   */
  requestId: RequestId.optional(),
});
export type LikeOp = z.infer<typeof LikeOp>;

export const MAX_OPS_PER_RPC = 1_000;

export const ApplyLikesInput = z.strictObject({
  target: TargetId,
  ops: z.array(LikeOp).min(1).max(MAX_OPS_PER_RPC),
  /** The Worker's request id, so the room's log lines for this write carry it too. */
  requestId: RequestId.optional(),
  /**
   * Skips the per-user limits across rooms (durable-objects/users/user-limits.ts): only for
   * callers that write for no user (the admin-only benchmark route, tests that seed rooms).
   * Routes and sockets that write for a user never set it.
   */
  unlimited: z.boolean().optional(),
});
export type ApplyLikesInput = z.infer<typeof ApplyLikesInput>;

export type OpOutcome =
  | { ok: true; result: LikeResult }
  | { ok: false; error: { code: "idempotency_conflict" | "invalid_request"; message: string } }
  /** Over the user's likes-or-reactions budget in this room (durable-objects/moderation/room-policy.ts). */
  | { ok: false; error: { code: "rate_limited"; message: string; retryAfterSeconds: number } }
  /** Over the user's daily quota of new rooms (durable-objects/users/user-limits.ts). */
  | { ok: false; error: { code: "quota_exceeded"; message: string; retryAfterSeconds: number } }
  /** The target is sharded (protocol/shards.ts): the room no longer takes likes, its shards do. */
  | { ok: false; error: { code: "moved"; message: string; shards: ShardConfig } };

export interface RoomSnapshot {
  target: string;
  likes: number;
  seq: number;
  /** Open live sockets right now (exact for the room). */
  viewers: number;
  /** Visible (not deleted) comments. */
  comments: number;
  /** Reactions on the target itself, by emoji (only counts above zero). */
  reactions: Record<string, number>;
  pinned: Comment | null;
  settings: RoomSettings;
}

/**
 * A refusal a room answers with instead of throwing: errors thrown across RPC lose their
 * fields, and these must reach the client intact (status, code, Retry-After).
 */
export interface RoomError {
  status: 400 | 403 | 404 | 409 | 422 | 429;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

export type RoomResult<T> = { ok: true; value: T } | { ok: false; error: RoomError };

export interface LikeStatus {
  liked: boolean;
  likedAt: number | null;
  /** Set when the target is sharded and the user's like may live in a shard: ask there. */
  shards?: ShardConfig;
}

/**
 * Set by the Worker on the upgrade it forwards to a room, after checking `?ticket=` and
 * deleting any copy the client sent. The room trusts it because only the Worker can reach
 * a room's fetch, and honours it only once it has spent the ticket of LIVE_TICKET_HEADER.
 */
export const LIVE_IDENTITY_HEADER = "x-engagement-live-identity";

/** The checked ticket's id and expiry, which the room spends once (durable-objects/used-tickets.ts). */
export const LIVE_TICKET_HEADER = "x-engagement-live-ticket";

export const LiveTicketStub = z.object({
  id: z.uuid(),
  /** Milliseconds since the epoch; the room refuses the ticket from then on. */
  expiresAt: z.number().int(),
});
export type LiveTicketStub = z.infer<typeof LiveTicketStub>;

export const LiveIdentity = z.object({
  userId: UserId,
  /** Display name for comments (the token's `name`, else the user id). */
  name: z.string().min(1).max(64),
  /**
   * Only the roles that matter in this room (`admin`, `member:<target>`): the attachment
   * that carries them through hibernation is limited to 2 KB.
   */
  roles: z.array(z.string().max(128)).max(4),
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
