import type { AlarmJobRunner } from "./alarm-jobs";
import type { RequestTrail } from "./request-trail";

/** What a room wants to know about one background job's runs (all optional). */
export interface JobHooks {
  started?(): void;
  /** `again`: the job asked to run again (more work is waiting). */
  succeeded?(again: boolean): void;
  failed?(): void;
  /** After every run, failed ones included; must not throw. */
  after?(): Promise<void>;
}

/**
 * Wraps alarm jobs so their runs are counted and their log lines can name the requests whose
 * writes they carry, without the jobs themselves knowing about metrics or request ids.
 */
export class ObservedJobs {
  private readonly carried = new Map<string, string[]>();

  constructor(private readonly trail: RequestTrail) {}

  wrap(job: string, run: AlarmJobRunner, hooks: JobHooks = {}): AlarmJobRunner {
    return async () => {
      const ids = this.trail.peek(job);
      this.carried.set(job, ids);
      hooks.started?.();
      try {
        const next = await run();
        this.trail.done(job, ids);
        hooks.succeeded?.(next !== null);
        return next;
      } catch (error) {
        hooks.failed?.();
        throw error;
      } finally {
        this.carried.delete(job);
        await hooks.after?.();
      }
    };
  }

  /** The request ids the running (or, after a failure, the next) run of `job` carries. */
  requestIds(job: string): string[] {
    return this.carried.get(job) ?? this.trail.peek(job);
  }
}
