import type { LeaderboardReport, SeriesBucket } from "../../protocol/internal/analytics-rpc";
import type { RoomMeta } from "../room-meta";
import { markReported, pruneBuckets, pruneShardBuckets, unreportedBuckets } from "./series";

export const ANALYTICS_REPORT_JOB = "analytics-report";
/** A room tells its leaderboard partition at most this often: the partitions' write rate is targets per minute, not likes. */
export const REPORT_INTERVAL_MS = 60_000;
/** One report's buckets: a room that fell behind sends the rest a minute later. */
const MAX_BUCKETS_PER_REPORT = 500;
const REPORTED_AT_KEY = "analytics_reported_at";

/**
 * The room's alarm job that copies its changed series buckets to the leaderboard partition of
 * its target. Buckets are sent as totals and merged by MAX there, so a report that fails (the
 * job throws, AlarmJobs retries it with backoff) or that landed but whose answer was lost is
 * simply sent again: nothing is lost, nothing counted twice.
 */
export class SeriesReporter {
  /** room_meta's value, read once per wake-up: dueAfterChange runs on every commit. */
  private reportedAt: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
    private readonly send: (report: LeaderboardReport) => Promise<void>,
  ) {}

  /** When the job should next run, given that something changed now. */
  dueAfterChange(now: number): number {
    return Math.max(now, this.lastReportAt() + REPORT_INTERVAL_MS);
  }

  async run(target: string, now: number): Promise<number | null> {
    // The job may be woken early (a change during a run keeps its past due time): the minute holds.
    const earliest = this.lastReportAt() + REPORT_INTERVAL_MS;
    if (now < earliest) return earliest;
    pruneBuckets(this.sql, now);
    pruneShardBuckets(this.sql, now);
    const unreported = unreportedBuckets(this.sql, MAX_BUCKETS_PER_REPORT);
    if (unreported.buckets.length === 0) return null;
    await this.send({ target, buckets: unreported.buckets satisfies SeriesBucket[] });
    markReported(this.sql, unreported);
    this.meta.set(REPORTED_AT_KEY, String(now));
    this.reportedAt = now;
    return unreported.buckets.length === MAX_BUCKETS_PER_REPORT ? now + REPORT_INTERVAL_MS : null;
  }

  private lastReportAt(): number {
    if (this.reportedAt === null) {
      const stored = Number(this.meta.get(REPORTED_AT_KEY));
      this.reportedAt = Number.isFinite(stored) ? stored : 0;
    }
    return this.reportedAt;
  }
}
