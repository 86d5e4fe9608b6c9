import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { AppEnv } from "../../platform/env";
import { TargetId, UserId } from "../../protocol/target";
import {
  ForgetUserIndexInput,
  NoteTouchesInput,
  RepairLikesInput,
  RoomRefInput,
  UserEventsInput,
  UserLikesPageInput,
  UserTargetsInput,
  type ForgetUserIndexResult,
  type LikeEntry,
  type NoteTouchesResult,
  type RepairLikesResult,
  type RoomRefResult,
  type RoomWrite,
  type UserEventsResult,
  type UserLikesPage,
  type UserTargetsPage,
} from "../../protocol/internal/user-index";
import { migrateUserIndex, USER_INDEX_SCHEMA } from "./index-schema";
import { UserIndex } from "./user-index";

/** How far back a quota counts: a rolling window, so a refused user knows when to come back. */
export const QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;

export const AdmitTargetInput = z.strictObject({
  userId: UserId,
  target: TargetId,
  /** `room`: the user's write is the first one the target's room ever stores; `registration`: they register it. */
  kind: z.enum(["room", "registration"]),
  /** The quota in force (the caller reads it from vars, so a deploy can change it). */
  perDay: z.number().int().min(0),
});
export type AdmitTargetInput = z.infer<typeof AdmitTargetInput>;

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

const SCHEMA = `
  -- One row per target the user made a room for or registered: the durable side of the
  -- per-user quotas; the rest of the user's own index is in index-schema.ts.
  CREATE TABLE IF NOT EXISTS user_targets (
    target TEXT PRIMARY KEY,
    room_created_at INTEGER,
    registered_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS user_targets_by_room ON user_targets (room_created_at) WHERE room_created_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS user_targets_by_registration ON user_targets (registered_at) WHERE registered_at IS NOT NULL;
  -- The key of the user's pseudonym in the event lake; destroyed with the object on deletion.
  CREATE TABLE IF NOT EXISTS lake_key (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL);`;

/** Kept in the object's key-value storage across `forget`, which empties everything else. */
const FORGOTTEN_AT = "forgottenAt";
const StoredInstant = z.number().int().nonnegative().optional();

const COLUMN = { room: "room_created_at", registration: "registered_at" } as const;

/**
 * One per user (`idFromName(userId)`), SQLite-backed:
 * - the cumulative quotas no single room can see, counted exactly and durably (rooms a user's
 *   writes created, targets they registered), asked only when such a thing happens; short
 *   rates are the Rate Limiting bindings' job (durable-objects/users/user-limits.ts);
 * - the user's own index (docs/user-index.md): their likes and every target they touched, fed
 *   by the events consumer once per queue batch and by rooms' moderation references; what
 *   `GET /v1/users/:userId/likes` pages and what a deletion visits.
 * Nothing here grows per write: one row per target (and kind of touch).
 */
export class UserState extends DurableObject<AppEnv> {
  /** False after `forget` emptied the object: the next admission makes the table again. */
  private ready = false;

  private ensureSchema(): void {
    if (this.ready) return;
    this.ctx.storage.sql.exec(SCHEMA + USER_INDEX_SCHEMA);
    migrateUserIndex(this.ctx.storage.sql);
    this.ready = true;
  }

  private index(): UserIndex {
    this.ensureSchema();
    return new UserIndex(this.ctx.storage.sql);
  }

  /** The index if this object has one: a read about a user who never wrote stores nothing. */
  private existingIndex(): UserIndex | null {
    if (this.ready) return new UserIndex(this.ctx.storage.sql);
    const made = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name IN ('liked_targets', 'user_targets')").toArray().length > 0;
    return made ? this.index() : null;
  }

  private async forgottenAt(): Promise<number | null> {
    return StoredInstant.parse(await this.ctx.storage.get(FORGOTTEN_AT)) ?? null;
  }

  /** Counts `target` against the user's quota of `kind`, once per target; refuses over the quota. */
  async admit(input: AdmitTargetInput): Promise<Admission> {
    const { target, kind, perDay } = AdmitTargetInput.parse(input);
    this.ensureSchema();
    const column = COLUMN[kind];
    const sql = this.ctx.storage.sql;
    const known = sql.exec<{ at: number | null }>(`SELECT ${column} AS at FROM user_targets WHERE target = ?`, target).toArray()[0];
    // The same target again (a retried first write, a re-registration) is not a new one.
    if (known?.at != null) return { ok: true };
    const now = Date.now();
    const since = now - QUOTA_WINDOW_MS;
    const used = sql.exec<{ n: number; oldest: number | null }>(
      `SELECT COUNT(*) AS n, MIN(${column}) AS oldest FROM user_targets WHERE ${column} > ?`,
      since,
    ).one();
    if (used.n >= perDay) {
      const freesAt = (used.oldest ?? now) + QUOTA_WINDOW_MS;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
    }
    sql.exec(
      `INSERT INTO user_targets (target, ${column}) VALUES (?, ?) ON CONFLICT (target) DO UPDATE SET ${column} = excluded.${column}`,
      target,
      now,
    );
    return { ok: true };
  }

  /**
   * One queue batch's events of this user, in any order, possibly redelivered. Events written
   * before the user's deletion are not kept (the consumer sends them back to their rooms); the
   * rest update the index by version (user-index.ts) and are pseudonymised for the lake under
   * this object's key.
   */
  async ingest(input: UserEventsInput): Promise<UserEventsResult> {
    const { userId, events } = UserEventsInput.parse(input);
    const index = this.index();
    const forgottenAt = await this.forgottenAt();
    const late = (event: { at: number }) => forgottenAt !== null && event.at <= forgottenAt;
    this.ctx.storage.transactionSync(() => index.apply(userId, events.filter((event) => !late(event))));
    return { pseudonym: await this.pseudonym(userId), forgotten: events.filter(late).map((event) => event.eventId) };
  }

  /**
   * Reconciliation and the backfill (workers/user-index-repair.ts): the rooms' truth about this
   * user's likes, stored where the index is older and wrong. A like from before the user's
   * deletion is refused, as `ingest` refuses it; a user who never wrote and likes nothing gets
   * no storage.
   */
  async repairLikes(input: RepairLikesInput): Promise<RepairLikesResult> {
    const { entries } = RepairLikesInput.parse(input);
    const forgottenAt = await this.forgottenAt();
    const now = Date.now();
    const outcomes: RepairLikesResult["outcomes"] = [];
    let changed = false;
    this.ctx.storage.transactionSync(() => {
      for (const entry of entries) {
        if (entry.liked && forgottenAt !== null && (entry.likedAt ?? 0) <= forgottenAt) {
          outcomes.push({ outcome: "forgotten", wasLiked: false });
          continue;
        }
        const index = entry.liked ? this.index() : this.existingIndex();
        if (index === null) {
          outcomes.push({ outcome: "agrees", wasLiked: false });
          continue;
        }
        const result = index.likes.reconcile(entry.target, entry.liked, entry.likedAt, { epoch: entry.epoch, seq: entry.seq }, now);
        if (result.outcome === "repaired") changed = true;
        outcomes.push(result);
      }
      if (changed) this.index().bumpRevision();
    });
    return { outcomes };
  }

  /**
   * The backfill: targets a room names this user on other than by a like. A touch from before
   * the user's deletion is not kept (as `noteRoomRef` refuses it); the rest are filed as the
   * events and refs file them, newest time kept.
   */
  async noteTouches(input: NoteTouchesInput): Promise<NoteTouchesResult> {
    const { touches } = NoteTouchesInput.parse(input);
    const forgottenAt = await this.forgottenAt();
    const kept = touches.filter((touch) => forgottenAt === null || touch.at > forgottenAt);
    if (kept.length === 0) return { stored: 0, forgotten: touches.length };
    const index = this.index();
    let stored = 0;
    this.ctx.storage.transactionSync(() => {
      for (const touch of kept) if (index.noteTouch(touch.target, touch.kind, touch.at)) stored++;
    });
    return { stored, forgotten: touches.length - kept.length };
  }

  /** One page of the user's current likes, newest first, with the exact total. */
  async likesPage(input: UserLikesPageInput): Promise<UserLikesPage> {
    const page = UserLikesPageInput.parse(input);
    return this.existingIndex()?.likes.page(page) ?? { items: [], more: false, total: 0 };
  }

  /** The user's entry for one target as stored, or null (`npm run bench`'s convergence figure). */
  async likeEntry(target: string): Promise<LikeEntry | null> {
    return this.existingIndex()?.likes.entry(TargetId.parse(target)) ?? null;
  }

  /** A room names the user in moderation (durable-objects/moderation/user-refs.ts). */
  async noteRoomRef(input: RoomRefInput): Promise<RoomRefResult> {
    const { target, at } = RoomRefInput.parse(input);
    const index = this.index();
    const forgottenAt = await this.forgottenAt();
    if (forgottenAt !== null && at <= forgottenAt) return { forgotten: true };
    this.ctx.storage.transactionSync(() => index.noteRef(target, at));
    return { forgotten: false };
  }

  /** For a deletion: every target the user left something on, a page at a time. */
  async listTargets(input: UserTargetsInput): Promise<UserTargetsPage> {
    const { after, limit } = UserTargetsInput.parse(input);
    return this.existingIndex()?.targets(after, limit) ?? { targets: [], nextAfter: null, revision: 0 };
  }

  /** For a deletion: rooms the user wrote to, or was named in, at or after `since` (ms). */
  async roomsWrittenSince(since: number): Promise<RoomWrite[]> {
    return this.existingIndex()?.writtenSince(z.number().int().parse(since)) ?? [];
  }

  private async pseudonym(userId: string): Promise<string> {
    const sql = this.ctx.storage.sql;
    let stored = sql.exec<{ key: string }>("SELECT key FROM lake_key WHERE id = 1").toArray()[0]?.key;
    if (stored === undefined) {
      stored = [...crypto.getRandomValues(new Uint8Array(32))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
      sql.exec("INSERT INTO lake_key (id, key) VALUES (1, ?)", stored);
    }
    const bytes = new Uint8Array(stored.match(/../g)!.map((pair) => parseInt(pair, 16)));
    const key = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(userId)));
    return [...mac.slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  /**
   * Part of a user's deletion: everything this object holds is about them, the lake key
   * included. What stays is when it happened, so a late event from before it is not kept.
   * With `ifRevision`, only if nothing reached the index since the deletion's last look:
   * otherwise a write that arrived between that look and now would be dropped here while its
   * room still holds it.
   */
  async forget(input: ForgetUserIndexInput = {}): Promise<ForgetUserIndexResult> {
    const { ifRevision } = ForgetUserIndexInput.parse(input);
    const revision = this.existingIndex()?.revision() ?? 0;
    if (ifRevision !== undefined && ifRevision !== revision) return { forgotten: false, revision };
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.put(FORGOTTEN_AT, Date.now());
    this.ready = false;
    return { forgotten: true, revision: 0 };
  }
}

declare module "../../platform/env" {
  interface DurableObjectClasses {
    /** One per user: quotas across rooms (durable-objects/users/, docs/operations.md "Limits"). */
    USER_STATE: UserState;
  }
}
