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
  /**
   * Jobs this object itself stored, with a due time no later than the value here, under an
   * alarm armed no later than it. A busy room schedules its outbox after every
   * commit; while they are already due sooner, that was an upsert, a getAlarm and sometimes a
   * setAlarm per commit for nothing. Memory only, so a wake-up starts without it, and it is
   * forgotten whenever the alarm runs: from then on the jobs' rows and versions decide again.
   */
  private readonly covered = new Map<string, number>();
  /** Moves whenever `covered` is cleared, so a schedule that straddled a run records nothing. */
  private coverGeneration = 0;

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
    const coveredBy = this.covered.get(name);
    if (coveredBy !== undefined && coveredBy <= dueAt) return;
    const generation = this.coverGeneration;
    this.storage.sql.exec(
      `INSERT INTO alarm_jobs (name, due_at) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET due_at = MIN(due_at, excluded.due_at), version = version + 1`,
      name,
      dueAt,
    );
    const armed = await this.storage.getAlarm();
    if (armed === null || armed > dueAt) await this.storage.setAlarm(dueAt);
    if (generation === this.coverGeneration) this.covered.set(name, dueAt);
  }

  isScheduled(name: string): boolean {
    return this.storage.sql.exec("SELECT 1 FROM alarm_jobs WHERE name = ?", name).toArray().length > 0;
  }

  /**
   * Runs every due job. A job that throws is retried with its own exponential backoff
   * instead of failing the whole alarm: the runtime's alarm retry would rerun every job and
   * gives up after six tries, while an outbox send must keep trying until the queue is back.
   */
  async runDue(): Promise<void> {
    // A job scheduled while it runs must bump its version (see below), so nothing is skipped
    // during a run; and after it, backoff and re-arming may have moved every due time.
    this.forgetCovered();
    try {
      await this.runDueJobs();
    } finally {
      this.forgetCovered();
    }
  }

  private async runDueJobs(): Promise<void> {
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

  private forgetCovered(): void {
    this.covered.clear();
    this.coverGeneration++;
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
