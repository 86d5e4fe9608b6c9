import type { TargetTotal } from "../../protocol/internal/shard-rpc";

/**
 * Sends a shard's count to its room with at most one report in flight: batches committed
 * while one is on its way share the next report, which reads the count when it starts and
 * so includes all of them. The room keeps the report with the highest seq per shard.
 */
export class CountReporter {
  private running: Promise<TargetTotal> | null = null;
  private queued: Promise<TargetTotal> | null = null;

  constructor(private readonly send: () => Promise<TargetTotal>) {}

  /** Resolves with the room's total after a report that started after this call. */
  report(): Promise<TargetTotal> {
    if (this.queued !== null) return this.queued;
    if (this.running !== null) {
      const after = this.running.then(
        () => undefined,
        () => undefined,
      );
      this.queued = after.then(() => {
        this.queued = null;
        return this.start();
      });
      return this.queued;
    }
    return this.start();
  }

  private start(): Promise<TargetTotal> {
    const sending = this.send().finally(() => {
      if (this.running === sending) this.running = null;
    });
    this.running = sending;
    return sending;
  }
}
