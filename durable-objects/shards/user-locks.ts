/**
 * Runs async work one at a time per user. A handoff awaits another object, and the runtime
 * lets other calls in meanwhile; two calls for the same user must not both adopt them.
 */
export class UserLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(userId) ?? Promise.resolve();
    const result = before.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(userId, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(userId) === tail) this.tails.delete(userId);
    }
  }
}
