import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "../../platform/env";
import { BacklogReportInput, ConsumerBatchInput, type BacklogSummary } from "../../protocol/internal/health-board";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS consumer_stats (
    queue TEXT PRIMARY KEY,
    last_batch_at INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    lag_ms INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS outbox_backlogs (
    target TEXT PRIMARY KEY,
    events INTEGER NOT NULL,
    oldest_at INTEGER,
    reported_at INTEGER NOT NULL
  ) WITHOUT ROWID;`;

/**
 * A small board `GET /v1/admin/health` reads (protocol/internal/health-board.ts names the instances):
 * `consumer:<queue>` holds the events consumer's last batch, written once per batch; each
 * `outbox:<k>` holds the backlogs of the rooms hashed to it, written only by a room that could
 * not ship its events (and once more when it could again). It replaces the D1 tables
 * `queue_consumer_stats` and `room_outbox_backlogs`, which cost a D1 write each.
 */
export class HealthBoard extends DurableObject<AppEnv> {
  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  async recordConsumerBatch(input: ConsumerBatchInput): Promise<void> {
    const row = ConsumerBatchInput.parse(input);
    this.ctx.storage.sql.exec(
      `INSERT INTO consumer_stats (queue, last_batch_at, messages, lag_ms, max_attempts) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (queue) DO UPDATE SET last_batch_at = excluded.last_batch_at, messages = excluded.messages,
         lag_ms = excluded.lag_ms, max_attempts = excluded.max_attempts`,
      row.queue,
      row.lastBatchAt,
      row.messages,
      row.lagMs,
      row.maxAttempts,
    );
  }

  async consumerStats(queue: string): Promise<ConsumerBatchInput | null> {
    const row = this.ctx.storage.sql
      .exec<{ last_batch_at: number; messages: number; lag_ms: number; max_attempts: number }>(
        "SELECT last_batch_at, messages, lag_ms, max_attempts FROM consumer_stats WHERE queue = ?",
        queue,
      )
      .toArray()[0];
    if (row === undefined) return null;
    return { queue, lastBatchAt: row.last_batch_at, messages: row.messages, lagMs: row.lag_ms, maxAttempts: row.max_attempts };
  }

  async reportBacklog(input: BacklogReportInput): Promise<void> {
    const report = BacklogReportInput.parse(input);
    const sql = this.ctx.storage.sql;
    if (report.events === 0) {
      sql.exec("DELETE FROM outbox_backlogs WHERE target = ?", report.target);
      return;
    }
    sql.exec(
      `INSERT INTO outbox_backlogs (target, events, oldest_at, reported_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (target) DO UPDATE SET events = excluded.events, oldest_at = excluded.oldest_at, reported_at = excluded.reported_at`,
      report.target,
      report.events,
      report.oldestAt,
      report.reportedAt,
    );
  }

  async backlogSummary(): Promise<BacklogSummary> {
    const row = this.ctx.storage.sql
      .exec<{ rooms: number; events: number; oldest: number | null }>(
        "SELECT COUNT(*) AS rooms, COALESCE(SUM(events), 0) AS events, MIN(oldest_at) AS oldest FROM outbox_backlogs",
      )
      .one();
    return { rooms: row.rooms, events: row.events, oldestAt: row.oldest };
  }
}

declare module "../../platform/env" {
  interface DurableObjectClasses {
    /** Consumer lag and rooms' outbox backlogs for the health route (durable-objects/health/). */
    HEALTH_BOARD: HealthBoard;
  }
}
