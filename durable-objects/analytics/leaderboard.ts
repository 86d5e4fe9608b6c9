import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "../../platform/env";
import { ActiveTargetsInput, keepMs, STEPS, LeaderboardReport, LeaderboardTopInput, type LeaderboardItem, type StepMs } from "../../protocol/internal/analytics-rpc";
import type { AnalyticsMetric } from "../../protocol/analytics";

/**
 * One partition of the analytics leaderboard (targets by hash, protocol/internal/analytics-rpc.ts): the
 * per-minute and per-hour counts of the targets of its partition that had events within the
 * kept span, as their rooms last reported them (at most once a minute per target). Older
 * buckets are pruned on every report, so a partition holds only its active targets. The Worker
 * asks every partition for its top and merges them (workers/analytics.ts): partitions hold
 * disjoint targets, so the merged top-N of each partition's top-N is exact.
 */
const SCHEMA = `CREATE TABLE IF NOT EXISTS board_buckets (
    step_ms INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    target TEXT NOT NULL,
    likes INTEGER NOT NULL,
    unlikes INTEGER NOT NULL,
    reactions INTEGER NOT NULL,
    comments INTEGER NOT NULL,
    PRIMARY KEY (step_ms, bucket, target)
  ) WITHOUT ROWID;
  -- Reconciliation walks the partition's active targets in name order (activeTargets).
  CREATE INDEX IF NOT EXISTS board_buckets_by_target ON board_buckets (target);`;

/** Column per metric: the SQL names come from this fixed map, never from input. */
const COLUMN: Record<AnalyticsMetric, string> = { likes: "likes", unlikes: "unlikes", reactions: "reactions", comments: "comments" };

export class Leaderboard extends DurableObject<AppEnv> {
  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(SCHEMA);
    });
  }

  /** A room's buckets, as totals: MAX keeps a repeated or overtaken report from counting twice. */
  async record(input: LeaderboardReport): Promise<void> {
    const { target, buckets } = LeaderboardReport.parse(input);
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const b of buckets) {
        if (b.bucket < now - keepMs(b.stepMs)) continue;
        sql.exec(
          `INSERT INTO board_buckets (step_ms, bucket, target, likes, unlikes, reactions, comments) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (step_ms, bucket, target) DO UPDATE SET likes = MAX(likes, excluded.likes), unlikes = MAX(unlikes, excluded.unlikes),
             reactions = MAX(reactions, excluded.reactions), comments = MAX(comments, excluded.comments)`,
          b.stepMs,
          b.bucket,
          target,
          b.likes,
          b.unlikes,
          b.reactions,
          b.comments,
        );
      }
      for (const stepMs of STEPS) sql.exec("DELETE FROM board_buckets WHERE step_ms = ? AND bucket < ?", stepMs, now - keepMs(stepMs));
    });
  }

  /**
   * The partition's targets with any event in the kept span, in name order after `after`:
   * the sample reconciliation walks (workers/reconcile.ts), with no scan of a central table.
   */
  async activeTargets(input: ActiveTargetsInput): Promise<string[]> {
    const { after, limit } = ActiveTargetsInput.parse(input);
    return this.ctx.storage.sql
      .exec<{ target: string }>("SELECT DISTINCT target FROM board_buckets WHERE target > ? ORDER BY target LIMIT ?", after ?? "", limit)
      .toArray()
      .map((row) => row.target);
  }

  /** This partition's `limit` targets with the most events of `metric` in [from, to), ties by name. */
  async top(input: LeaderboardTopInput): Promise<LeaderboardItem[]> {
    const { metric, stepMs, from, to, limit } = LeaderboardTopInput.parse(input);
    const column = COLUMN[metric];
    return this.ctx.storage.sql
      .exec<{ target: string; value: number }>(
        `SELECT target, SUM(${column}) AS value FROM board_buckets
         WHERE step_ms = ? AND bucket >= ? AND bucket < ?
         GROUP BY target HAVING value > 0 ORDER BY value DESC, target LIMIT ?`,
        stepMs satisfies StepMs,
        from,
        to,
        limit,
      )
      .toArray()
      .map((row) => ({ target: row.target, value: Number(row.value) }));
  }
}

declare module "../../platform/env" {
  interface DurableObjectClasses {
    /** Partitions of the analytics leaderboard by target hash (docs/analytics.md). */
    LEADERBOARD: Leaderboard;
  }
}
