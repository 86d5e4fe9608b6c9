import type { LikeOp, LiveIdentity, OpOutcome } from "../../protocol/internal/room-rpc";
import type { LikeFrame } from "../room-sockets";

/** Where a socket's likes go: the room's own like entry, or (from a relay) the like router. */
export type ApplyLikes = (ops: LikeOp[], requestId: string) => Promise<OpOutcome[]>;

/**
 * The one entry for a like frame, from a room's own socket or a relay's: it becomes the same
 * op a REST like does, and the frame's id is its request id, so the room's `likes_applied`
 * line, its hot-target detection and its outbox lines see a socket like as they see any other.
 */
export async function likeFromSocket(apply: ApplyLikes, user: LiveIdentity, frame: LikeFrame): Promise<OpOutcome> {
  const [outcome] = await apply([{ userId: user.userId, action: frame.type }], frame.id);
  if (!outcome) throw new Error("the room answered no outcome");
  return outcome;
}
