import type { LikeOp, LiveIdentity, OpOutcome } from "../../protocol/internal/room-rpc";
import { RequestId } from "../../protocol/operations";
import type { LikeFrame } from "../room-sockets";

/** Where a socket's likes go: the room's own like entry, or (from a relay) the like router. */
export type ApplyLikes = (ops: LikeOp[], requestId: string | undefined) => Promise<OpOutcome[]>;

/**
 * The one entry for a like frame, from a room's own socket or a relay's: it becomes the same
 * op a REST like does, and the frame's id is its request id, so the room's `likes_applied`
 * line, its hot-target detection and its outbox lines see a socket like as they see any other.
 * A frame id may hold characters a log line's request id may not (protocol/live.ts allows any
 * text): such a like still goes through, without a request id.
 */
export async function likeFromSocket(apply: ApplyLikes, user: LiveIdentity, frame: LikeFrame): Promise<OpOutcome> {
  const [outcome] = await apply([{ userId: user.userId, action: frame.type }], RequestId.safeParse(frame.id).data);
  if (!outcome) throw new Error("the room answered no outcome");
  return outcome;
}
