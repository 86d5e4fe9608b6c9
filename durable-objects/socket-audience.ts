import { includes, type Viewer } from "./write-path/audience";
import type { RingEvent } from "./replay-ring";

/**
 * The hibernation tag of a signed-in user's sockets, so a change of their role finds them with
 * `ctx.getWebSockets(tag)` instead of walking every socket of the room. A tag is bounded (the
 * runtime refuses long ones) while a user id may be 128 characters of any script, so the tag
 * is a hash of the id; sockets of two users whose ids collide share it, and the caller checks
 * each socket's own user id.
 */
export function userTag(userId: string): string {
  // FNV-1a, 32 bits, over UTF-16 code units: no crypto needed, only spreading.
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `u:${hash.toString(16).padStart(8, "0")}`;
}

/** True when some event of a broadcast is not for everyone: only then do sockets differ. */
export function hasAudiences(events: readonly RingEvent[]): boolean {
  for (const { audience } of events) if (audience !== undefined && audience !== "everyone") return true;
  return false;
}

/** The events a viewer may see, in order (the same array when all are for everyone). */
export function visibleTo<T extends Pick<RingEvent, "audience">>(events: readonly T[], viewer: Viewer): readonly T[] {
  return events.every(({ audience }) => includes(audience, viewer)) ? events : events.filter(({ audience }) => includes(audience, viewer));
}
