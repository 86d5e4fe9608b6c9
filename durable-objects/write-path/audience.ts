import { z } from "zod";
import { UserId } from "../../protocol/target";

/**
 * Who may see one live event (issue 21): everyone in the room, only its moderators, or one
 * user and the moderators (a held comment's author, a restricted user). The write path stamps
 * it on every event it logs; the replay ring keeps it, and every socket, direct or on a relay,
 * is sent only what its audience includes. An event without one is for everyone, so rings
 * written before audiences existed replay as they did.
 */
export const Audience = z.union([z.literal("everyone"), z.literal("moderators"), z.object({ user: UserId })]);
export type Audience = z.infer<typeof Audience>;

export const EVERYONE: Audience = "everyone";

/** The viewer a socket stands for, as far as audiences care. */
export interface Viewer {
  userId: string | null;
  moderator: boolean;
}

export function includes(audience: Audience | undefined, viewer: Viewer): boolean {
  if (audience === undefined || audience === "everyone") return true;
  if (viewer.moderator) return true;
  return audience !== "moderators" && viewer.userId !== null && audience.user === viewer.userId;
}
