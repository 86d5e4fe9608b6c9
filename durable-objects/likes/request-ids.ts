import type { LikeOp } from "../../protocol/internal/room-rpc";

/**
 * The ids of every request a coalesced batch carries (workers/like-coalescer.ts), the batch's
 * own first, for the room's and the shard's log lines; undefined when the batch names no
 * request but its own, so a lone like's line stays as it was.
 */
export function requestIdsOf(ops: readonly LikeOp[], requestId: string | undefined): string[] | undefined {
  const ids = new Set<string>(requestId === undefined ? [] : [requestId]);
  for (const op of ops) if (op.requestId !== undefined) ids.add(op.requestId);
  return ids.size > (requestId === undefined ? 0 : 1) ? [...ids] : undefined;
}
