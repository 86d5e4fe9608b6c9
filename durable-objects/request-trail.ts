/** Enough to find the requests behind one outbox send; more would bloat the log line. */
export const MAX_IDS_PER_JOB = 20;

/**
 * The request ids whose writes a background job (the outbox send) has not finished
 * yet, so the job's log lines name the requests they carry. Memory only: after an eviction
 * the ids are gone from the trail but not from the Worker's and the room's earlier lines.
 */
export class RequestTrail {
  private readonly pending = new Map<string, Set<string>>();

  constructor(private readonly jobs: readonly string[]) {}

  add(requestId: string | undefined): void {
    if (requestId === undefined) return;
    for (const job of this.jobs) {
      let ids = this.pending.get(job);
      if (!ids) this.pending.set(job, (ids = new Set()));
      if (ids.size < MAX_IDS_PER_JOB) ids.add(requestId);
    }
  }

  /** The ids a run of `job` carries; pass them to `done` when it succeeded. */
  peek(job: string): string[] {
    return [...(this.pending.get(job) ?? [])];
  }

  done(job: string, ids: readonly string[]): void {
    const pending = this.pending.get(job);
    if (!pending) return;
    for (const id of ids) pending.delete(id);
  }
}
