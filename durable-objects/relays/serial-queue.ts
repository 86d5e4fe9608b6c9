/**
 * Runs async steps one at a time, in the order they were queued: a relay's pushes, catch-ups
 * and accepts must not interleave at their awaits, or a socket could miss or repeat a frame.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.tail.then(step);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
