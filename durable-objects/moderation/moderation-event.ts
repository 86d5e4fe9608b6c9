import type { EngagementEvent } from "../../protocol/events";
import type { LiveEvent } from "../../protocol/live";
import type { ChangeLog } from "../write-path/change-log";
import { enqueueEvent } from "../outbox";
import type { RoomSeq } from "../room-seq";

export type ModerationAction = "settings" | "terms" | "ban" | "timeout" | "unban" | "moderator_add" | "moderator_remove" | "report_dismiss" | "report_remove";

/**
 * Records a moderator's action as a `moderation` engagement event, with its own seq, inside
 * the write transaction. The event names the moderator, never the user acted upon. With
 * `live`, viewers receive the change under the same seq.
 */
export function recordModeration(
  sql: SqlStorage,
  seq: RoomSeq,
  log: ChangeLog,
  change: { target: string; moderatorId: string; action: ModerationAction; at: number; live?: LiveEvent },
): number {
  const next = seq.next();
  const event: EngagementEvent = {
    eventId: crypto.randomUUID(),
    type: "moderation",
    target: change.target,
    userId: change.moderatorId,
    at: change.at,
    seq: next,
    action: change.action,
  };
  enqueueEvent(sql, event);
  if (change.live) log.emit(next, change.at, change.live);
  else log.touch();
  return next;
}
