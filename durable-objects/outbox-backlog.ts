import { backlogBoardName } from "../protocol/internal/health-board";
import type { AppEnv } from "../platform/env";
import type { RoomMeta } from "./room-meta";

export interface OutboxBacklog {
  events: number;
  /** `at` of the oldest unsent event, null when the outbox is empty. */
  oldestAt: number | null;
}

/**
 * Exact, from storage: the outbox keeps an event until the queue accepted it. Each row counts
 * its events and knows its first one's `at` (durable-objects/outbox.ts), so no body is read.
 */
export function readOutboxBacklog(roomSql: SqlStorage): OutboxBacklog {
  const row = roomSql
    .exec<{ n: number; oldest: SqlStorageValue }>(
      "SELECT COALESCE(SUM(events), 0) AS n, (SELECT oldest_at FROM outbox ORDER BY seq LIMIT 1) AS oldest FROM outbox",
    )
    .one();
  return { events: row.n, oldestAt: row.n > 0 && typeof row.oldest === "number" ? row.oldest : null };
}

/** While a backlog lasts, the health board hears about it at most this often. */
export const BACKLOG_REPORT_INTERVAL_MS = 30_000;
const REPORTED_AT_KEY = "ops.outbox_backlog_reported_at";

/**
 * Tells the room's health board (`outbox:<k>` by target hash, durable-objects/health/) about
 * its unsent events, so the health report can see a backlog in any room without waking every
 * room. It is called after an outbox run, so only a room in trouble (events left after a send,
 * i.e. the queue refused or is behind) writes: first seen, then every
 * BACKLOG_REPORT_INTERVAL_MS, and once when it ends. A healthy room writes nothing. Whether a
 * backlog was reported is kept in room_meta, so a room evicted mid-backlog still clears its
 * row when it drains after waking up.
 */
export class OutboxBacklogReporter {
  constructor(
    private readonly env: Pick<AppEnv, "HEALTH_BOARD">,
    private readonly roomSql: SqlStorage,
    private readonly meta: RoomMeta,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the backlog it saw; true in `reported` when it wrote to the board. */
  async report(target: string): Promise<{ backlog: OutboxBacklog; reported: boolean }> {
    const backlog = readOutboxBacklog(this.roomSql);
    const reportedAt = Number(this.meta.get(REPORTED_AT_KEY) ?? 0);
    const now = this.now();
    const board = this.env.HEALTH_BOARD.get(this.env.HEALTH_BOARD.idFromName(backlogBoardName(target)));
    if (backlog.events === 0 || backlog.oldestAt === null) {
      if (reportedAt === 0) return { backlog, reported: false };
      await board.reportBacklog({ target, events: 0, oldestAt: null, reportedAt: now });
      this.meta.delete(REPORTED_AT_KEY);
      return { backlog, reported: true };
    }
    if (reportedAt !== 0 && now - reportedAt < BACKLOG_REPORT_INTERVAL_MS) return { backlog, reported: false };
    await board.reportBacklog({ target, events: backlog.events, oldestAt: backlog.oldestAt, reportedAt: now });
    this.meta.set(REPORTED_AT_KEY, String(now));
    return { backlog, reported: true };
  }
}
