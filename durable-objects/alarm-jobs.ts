/**
 * One Durable Object has one alarm; this multiplexes named jobs onto it. Due times live in
 * SQLite so a job scheduled before an eviction still runs after it.
 */
const BASE_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 60_000;

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
       ON CONFLICT (name) DO UPDATE SET due_at = MIN(due_at, excluded.due_at)`,
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
      .exec<{ name: string; due_at: number }>("SELECT name, due_at FROM alarm_jobs WHERE due_at <= ?", startedAt)
      .toArray();
    for (const job of due) {
      const runner = this.runners.get(job.name);
      if (!runner) {
        this.storage.sql.exec("DELETE FROM alarm_jobs WHERE name = ?", job.name);
        continue;
      }
      let next: number | null;
      try {
        next = await runner();
        this.failures.delete(job.name);
      } catch (error) {
        const failures = (this.failures.get(job.name) ?? 0) + 1;
        this.failures.set(job.name, failures);
        next = this.now() + Math.min(MAX_RETRY_DELAY_MS, BASE_RETRY_DELAY_MS * 2 ** (failures - 1));
        this.onJobError(job.name, error, failures);
      }
      // A job rescheduled while it ran (its due_at changed) keeps the newer, earlier time.
      if (next === null) {
        this.storage.sql.exec("DELETE FROM alarm_jobs WHERE name = ? AND due_at = ?", job.name, job.due_at);
      } else {
        this.storage.sql.exec("UPDATE alarm_jobs SET due_at = ? WHERE name = ? AND due_at = ?", next, job.name, job.due_at);
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
