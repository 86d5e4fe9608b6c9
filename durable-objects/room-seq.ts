import type { RoomMeta } from "./room-meta";

/**
 * The room's sequence: every change (like, comment, reaction, moderation) takes the next
 * number, so live clients, the replay ring and the outbox share one order. `next()` is
 * called inside the storage transaction that records the change, and TargetRoom's write
 * path calls `flush()` before that transaction ends, so a batch of changes writes the
 * counter once.
 */
export class RoomSeq {
  private seq: number;
  private flushed: number;

  constructor(private readonly meta: RoomMeta) {
    this.seq = Number(meta.get("seq") ?? 0);
    this.flushed = this.seq;
  }

  get last(): number {
    return this.seq;
  }

  next(): number {
    return ++this.seq;
  }

  flush(): void {
    if (this.seq === this.flushed) return;
    this.meta.set("seq", String(this.seq));
    this.flushed = this.seq;
  }

  /** After a rolled-back transaction: forget numbers handed out inside it. */
  reload(): void {
    this.seq = Number(this.meta.get("seq") ?? 0);
    this.flushed = this.seq;
  }
}
