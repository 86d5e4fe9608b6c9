/**
 * One Durable Object has one alarm; this multiplexes named jobs onto it. Due times live in
 * SQLite so a job scheduled before an eviction still runs after it.
 */
const BASE_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 60_000;
/**
 * Jobs due this soon run in the wake-up that is already happening: `schedule` promises
 * "no later than", so running early is allowed, and it saves a second alarm invocation.
 */
const EARLY_RUN_WINDOW_MS = 1_000;

export type AlarmJobRunner = () => Promise<number | null>;

export class AlarmJobs {
  private readonly runners = new Map<string, AlarmJobRunner>();
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly onJobError: (job: string, error: unknown, failures: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A runner returns when it wants to run again (ms epoch), or null when it is done. */
  register(name: string, runner: AlarmJobRunner): void {
    this.runners.set(name, runner);
  }

  /** Runs `name` no later than `dueAt`; an earlier existing due time wins. */
  async schedule(name: string, dueAt: number): Promise<void> {
    this.storage.sql.exec(
      `INSERT INTO alarm_jobs (name, due_at) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET due_at = MIN(due_at, excluded.due_at), version = version + 1`,
      name,
      dueAt,
    );
    const armed = await this.storage.getAlarm();
    if (armed === null || armed > dueAt) await this.storage.setAlarm(dueAt);
  }

  isScheduled(name: string): boolean {
    return this.storage.sql.exec("SELECT 1 FROM alarm_jobs WHERE name = ?", name).toArray().length > 0;
  }

  /**
   * Runs every due job. A job that throws is retried with its own exponential backoff
   * instead of failing the whole alarm: the runtime's alarm retry would rerun every job and
   * gives up after six tries, while a checkpoint or an outbox send must keep trying until
   * D1 or the queue is back.
   */
  async runDue(): Promise<void> {
    const startedAt = this.now();
    const due = this.storage.sql
      .exec<{ name: string; version: number }>(
        "SELECT name, version FROM alarm_jobs WHERE due_at <= ? ORDER BY due_at",
        startedAt + EARLY_RUN_WINDOW_MS,
      )
      .toArray();
    for (const job of due) {
      const runner = this.runners.get(job.name);
      if (!runner) {
        this.storage.sql.exec("DELETE FROM alarm_jobs WHERE name = ?", job.name);
        continue;
      }
      try {
        const next = await runner();
        this.failures.delete(job.name);
        // A job scheduled again while it ran (its version moved) keeps its past due time, so
        // the re-armed alarm fires at once for the work that arrived during the run.
        if (next === null) {
          this.storage.sql.exec("DELETE FROM alarm_jobs WHERE name = ? AND version = ?", job.name, job.version);
        } else {
          this.storage.sql.exec("UPDATE alarm_jobs SET due_at = ? WHERE name = ? AND version = ?", next, job.name, job.version);
        }
      } catch (error) {
        const failures = (this.failures.get(job.name) ?? 0) + 1;
        this.failures.set(job.name, failures);
        const retryAt = this.now() + Math.min(MAX_RETRY_DELAY_MS, BASE_RETRY_DELAY_MS * 2 ** (failures - 1));
        // Backoff wins over new work: hammering a failing D1 or queue helps no one.
        this.storage.sql.exec("UPDATE alarm_jobs SET due_at = ? WHERE name = ?", retryAt, job.name);
        this.onJobError(job.name, error, failures);
      }
    }
    await this.rearm();
  }

  failureCount(name: string): number {
    return this.failures.get(name) ?? 0;
  }

  private async rearm(): Promise<void> {
    const next = this.storage.sql.exec<{ due: number | null }>("SELECT MIN(due_at) AS due FROM alarm_jobs").one().due;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }
}
