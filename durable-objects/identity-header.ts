import { LiveIdentity } from "../protocol/internal/room-rpc";

/**
 * The verified identity the Worker put on a live upgrade (the room forwards its headers to a
 * relay untouched). Only the Worker and the room can reach a room's or relay's fetch, so it is
 * trusted; anything unreadable means a viewer without identity.
 */
export function identityFrom(header: string | null): LiveIdentity | null {
  if (header === null) return null;
  try {
    const parsed = LiveIdentity.safeParse(JSON.parse(header));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
