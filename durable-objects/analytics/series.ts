import { ANALYTICS_METRICS, METRIC_EVENT_TYPES, type AnalyticsMetric } from "../../protocol/analytics";
import { HOUR_MS, keepMs, MINUTE_MS, STEPS, type SeriesBucket, type StepMs } from "../../protocol/internal/analytics-rpc";
import type { EngagementEvent } from "../../protocol/events";

/**
 * A target's own analytics series: events per minute and per hour, counted by the room (and
 * by each of its like shards) inside the transaction that commits them, so the series is
 * exactly the committed events, with no queue or central table in between. Bounded: minutes
 * for 2 hours, hours for 8 days (keepMs) (prune), at most 2 + 192 rows.
 *
 * `version` moves with every change and `reported` is the version a leaderboard (or, for a
 * shard, its room) last acknowledged, so what still has to be reported is `version > reported`,
 * and a failed report simply leaves it there for the next try.
 */
export const SERIES_TABLE = `CREATE TABLE analytics_buckets (
     step_ms INTEGER NOT NULL,
     bucket INTEGER NOT NULL,
     likes INTEGER NOT NULL,
     unlikes INTEGER NOT NULL,
     reactions INTEGER NOT NULL,
     comments INTEGER NOT NULL,
     version INTEGER NOT NULL,
     reported INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (step_ms, bucket)
   ) WITHOUT ROWID;`;

const METRIC_BY_TYPE = new Map<string, AnalyticsMetric>(
  ANALYTICS_METRICS.flatMap((metric) => METRIC_EVENT_TYPES[metric].map((type) => [type, metric] as const)),
);

type Counts = Record<AnalyticsMetric, number>;

/** Adds committed events to their minute and hour buckets: one upsert per touched bucket. */
export function recordEngagement(sql: SqlStorage, events: readonly EngagementEvent[]): void {
  const byBucket = new Map<string, SeriesBucket>();
  for (const event of events) {
    const metric = METRIC_BY_TYPE.get(event.type);
    if (metric === undefined) continue;
    for (const stepMs of STEPS) {
      const bucket = Math.floor(event.at / stepMs) * stepMs;
      const key = `${stepMs}:${bucket}`;
      const counts = byBucket.get(key) ?? { stepMs, bucket, likes: 0, unlikes: 0, reactions: 0, comments: 0 };
      counts[metric]++;
      byBucket.set(key, counts);
    }
  }
  addToBuckets(sql, [...byBucket.values()]);
}

/** Adds counts to buckets (events recorded here, or a shard's growth reported to its room). */
export function addToBuckets(sql: SqlStorage, buckets: readonly SeriesBucket[]): void {
  for (const b of buckets) {
    sql.exec(
      `INSERT INTO analytics_buckets (step_ms, bucket, likes, unlikes, reactions, comments, version) VALUES (?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (step_ms, bucket) DO UPDATE SET likes = likes + excluded.likes, unlikes = unlikes + excluded.unlikes,
         reactions = reactions + excluded.reactions, comments = comments + excluded.comments, version = version + 1`,
      b.stepMs,
      b.bucket,
      b.likes,
      b.unlikes,
      b.reactions,
      b.comments,
    );
  }
}

type BucketRow = Counts & {
  step_ms: number;
  bucket: number;
  version: number;
};

function toBucket(row: BucketRow): SeriesBucket {
  return { stepMs: row.step_ms === HOUR_MS ? HOUR_MS : MINUTE_MS, bucket: row.bucket, likes: row.likes, unlikes: row.unlikes, reactions: row.reactions, comments: row.comments };
}

/** Buckets of one step in [from, to). */
export function readBuckets(sql: SqlStorage, stepMs: StepMs, from: number, to: number): SeriesBucket[] {
  return sql
    .exec<BucketRow>("SELECT * FROM analytics_buckets WHERE step_ms = ? AND bucket >= ? AND bucket < ? ORDER BY bucket", stepMs, from, to)
    .toArray()
    .map(toBucket);
}

export interface Unreported {
  buckets: SeriesBucket[];
  versions: number[];
}

/** Buckets changed since their last acknowledged report, oldest first, at most `limit`. */
export function unreportedBuckets(sql: SqlStorage, limit: number): Unreported {
  const rows = sql.exec<BucketRow>("SELECT * FROM analytics_buckets WHERE version > reported ORDER BY bucket LIMIT ?", limit).toArray();
  return { buckets: rows.map(toBucket), versions: rows.map((row) => row.version) };
}

/** After an acknowledged report: a bucket that changed again meanwhile stays unreported. */
export function markReported(sql: SqlStorage, sent: Unreported): void {
  for (const [i, b] of sent.buckets.entries()) {
    sql.exec("UPDATE analytics_buckets SET reported = ? WHERE step_ms = ? AND bucket = ?", sent.versions[i]!, b.stepMs, b.bucket);
  }
}

/** Drops buckets too old for any window (reported or not: no window reads them any more). */
export function pruneBuckets(sql: SqlStorage, now: number): void {
  for (const stepMs of STEPS) sql.exec("DELETE FROM analytics_buckets WHERE step_ms = ? AND bucket < ?", stepMs, now - keepMs(stepMs));
}

/**
 * A room's copy of its like shards' series, as each shard (epoch, k) last reported it. A shard
 * reports its buckets' totals, not increments, so a report retried or overtaken is harmless:
 * only the growth over this copy is added to the room's own series (mergeShardBuckets).
 */
export const SHARD_SERIES_TABLE = `CREATE TABLE analytics_shard_buckets (
     epoch INTEGER NOT NULL,
     k INTEGER NOT NULL,
     step_ms INTEGER NOT NULL,
     bucket INTEGER NOT NULL,
     likes INTEGER NOT NULL,
     unlikes INTEGER NOT NULL,
     reactions INTEGER NOT NULL,
     comments INTEGER NOT NULL,
     PRIMARY KEY (step_ms, bucket, epoch, k)
   ) WITHOUT ROWID;`;

/** Inside the room's transaction: folds a shard's reported totals into the room's series. */
export function mergeShardBuckets(sql: SqlStorage, epoch: number, k: number, reported: readonly SeriesBucket[]): boolean {
  const growth: SeriesBucket[] = [];
  for (const b of reported) {
    const old = sql
      .exec<Counts>("SELECT likes, unlikes, reactions, comments FROM analytics_shard_buckets WHERE step_ms = ? AND bucket = ? AND epoch = ? AND k = ?", b.stepMs, b.bucket, epoch, k)
      .toArray()[0] ?? { likes: 0, unlikes: 0, reactions: 0, comments: 0 };
    const next = { likes: Math.max(old.likes, b.likes), unlikes: Math.max(old.unlikes, b.unlikes), reactions: Math.max(old.reactions, b.reactions), comments: Math.max(old.comments, b.comments) };
    const delta = { stepMs: b.stepMs, bucket: b.bucket, likes: next.likes - old.likes, unlikes: next.unlikes - old.unlikes, reactions: next.reactions - old.reactions, comments: next.comments - old.comments };
    if (delta.likes + delta.unlikes + delta.reactions + delta.comments === 0) continue;
    sql.exec(
      `INSERT INTO analytics_shard_buckets (epoch, k, step_ms, bucket, likes, unlikes, reactions, comments) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (step_ms, bucket, epoch, k) DO UPDATE SET likes = excluded.likes, unlikes = excluded.unlikes, reactions = excluded.reactions, comments = excluded.comments`,
      epoch,
      k,
      b.stepMs,
      b.bucket,
      next.likes,
      next.unlikes,
      next.reactions,
      next.comments,
    );
    growth.push(delta);
  }
  addToBuckets(sql, growth);
  return growth.length > 0;
}

/** pruneBuckets for the shards' copies. */
export function pruneShardBuckets(sql: SqlStorage, now: number): void {
  for (const stepMs of STEPS) sql.exec("DELETE FROM analytics_shard_buckets WHERE step_ms = ? AND bucket < ?", stepMs, now - keepMs(stepMs));
}
