import type { RoomWrite } from "../../protocol/internal/user-index";
import type { AppEnv } from "../../platform/env";
import { userIndexFor } from "../user-objects";

export type { RoomWrite };

/**
 * Which rooms did this user write to (or get named in by moderation) at or after `since`, and
 * when last? Asked by a running deletion (steps.ts) to find rooms the user wrote to after their
 * first visit. Answered by the user's own object, which lags the rooms by the outbox and the
 * queue (docs/user-index.md).
 */
export function roomsWrittenSince(env: AppEnv, userId: string, since: number): Promise<RoomWrite[]> {
  return userIndexFor(env, userId).roomsWrittenSince(since);
}
