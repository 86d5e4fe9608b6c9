import type { RoomError } from "../protocol/internal/room-rpc";

export type Refusal = { ok: false; error: RoomError };

/**
 * The one way a room part says no: a RoomResult the RPC caller turns into its 4xx
 * (workers/room-result.ts). Moderation, comments, reactions and the unwritten room all refuse
 * through it, so a refusal's shape has one definition.
 */
export function refuse(status: RoomError["status"], code: string, message: string): Refusal {
  return { ok: false, error: { status, code, message } };
}
