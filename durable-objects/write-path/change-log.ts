import type { LiveEvent } from "../../protocol/live";
import type { RingEvent } from "../replay-ring";
import type { Audience } from "./audience";

/**
 * What one write transaction changed, collected while it runs and acted on after it
 * commits: events go to the replay ring (same transaction) and to live sockets, and a
 * change of any kind schedules the outbox.
 */
export class ChangeLog {
  readonly events: RingEvent[] = [];
  /** Users whose role in the room (owner, moderator) this transaction changed: their open sockets follow after the commit. */
  readonly roleChanges = new Set<string>();
  private dirty = false;
  private keysRemembered = false;

  /** `audience`: who may see it (audience.ts); everyone when absent. */
  emit(seq: number, at: number, event: LiveEvent, audience?: Audience): void {
    this.events.push(audience === undefined || audience === "everyone" ? { seq, at, event } : { seq, at, event, audience });
    this.dirty = true;
  }

  /** Storage changed in a way D1 or the outbox must hear about, without a live event. */
  touch(): void {
    this.dirty = true;
  }

  /** The user's role in the room changed (made or unmade moderator or owner, erased). */
  roleChanged(userId: string): void {
    this.roleChanges.add(userId);
    this.dirty = true;
  }

  /** An Idempotency-Key was stored: the room must come back to sweep expired keys. */
  rememberedIdempotencyKey(): void {
    this.keysRemembered = true;
  }

  get needsIdempotencySweep(): boolean {
    return this.keysRemembered;
  }

  get changed(): boolean {
    return this.dirty;
  }

  /** Events sent to sockets one by one; likes reach them only as coalesced `count` frames. */
  liveEvents(): RingEvent[] {
    return this.events.filter((entry) => entry.event.kind !== "like" && entry.event.kind !== "unlike");
  }
}
