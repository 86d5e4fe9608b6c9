import { z } from "zod";
import { EngagementEvent } from "../events";
import { TargetId, UserId } from "../target";

/**
 * What the events consumer hands one user's object (durable-objects/users/user-state.ts): that
 * user's events from one queue batch, in any order and possibly redelivered. Queues deliver at
 * least once and unordered, so the object decides by each event's version what is newer.
 */
export const UserEventsInput = z.strictObject({
  userId: UserId,
  events: z.array(EngagementEvent).min(1).max(1_000),
});
export type UserEventsInput = z.infer<typeof UserEventsInput>;

export const UserEventsResult = z.strictObject({
  /**
   * The user's pseudonym in the event lake: a keyed hash of the user id under a key only the
   * user's object holds. Deleting the object destroys the key, so nobody can link the lake's
   * rows to the id again (a hash under a shared secret could be recomputed).
   */
  pseudonym: z.string().min(1),
  /**
   * Ids of events that predate the user's deletion: the object did not keep them. The consumer
   * writes them to the lake without a user and sends them back to their rooms to be forgotten.
   */
  forgotten: z.array(z.string()),
});
export type UserEventsResult = z.infer<typeof UserEventsResult>;

/** One page of a user's current likes, newest first; the cursor is the last item's (likedAt, target). */
export const UserLikesPageInput = z.strictObject({
  limit: z.number().int().min(1).max(100),
  after: z.tuple([z.number().int().nonnegative(), TargetId]).nullable(),
});
export type UserLikesPageInput = z.infer<typeof UserLikesPageInput>;

export const UserLikesPage = z.strictObject({
  items: z.array(z.strictObject({ target: TargetId, likedAt: z.number().int().nonnegative() })),
  /** More items follow the last one. */
  more: z.boolean(),
  /** Exactly how many targets the user likes now, by this index. */
  total: z.number().int().nonnegative(),
});
export type UserLikesPage = z.infer<typeof UserLikesPage>;

/** One like entry of the index as stored (`npm run bench` measures convergence with it). */
export const LikeEntry = z.strictObject({
  liked: z.boolean(),
  /** The room's time of the change the entry holds (the like's acknowledgement). */
  changedAt: z.number().int().nonnegative(),
  /** This index's time when it stored that change; null for entries older than the column. */
  appliedAt: z.number().int().nonnegative().nullable(),
});
export type LikeEntry = z.infer<typeof LikeEntry>;

/**
 * A room names the user in moderation (owner, moderator, member, ban, report). The room tells
 * the user's object from its alarm jobs, retried until it answers, so a deletion finds it.
 */
export const RoomRefInput = z.strictObject({
  userId: UserId,
  target: TargetId,
  /** When the room noted it (the room's clock, ms). */
  at: z.number().int().nonnegative(),
});
export type RoomRefInput = z.infer<typeof RoomRefInput>;

/** `forgotten`: the user was deleted after the room noted this; the room should forget them. */
export const RoomRefResult = z.strictObject({ forgotten: z.boolean() });
export type RoomRefResult = z.infer<typeof RoomRefResult>;

/** One page of every target the index names (likes incl. tombstones, comments, reactions, refs, rooms, registrations). */
export const UserTargetsInput = z.strictObject({
  after: TargetId.nullable(),
  limit: z.number().int().min(1).max(1_000),
});
export type UserTargetsInput = z.infer<typeof UserTargetsInput>;

export const UserTargetsPage = z.strictObject({
  targets: z.array(TargetId),
  nextAfter: TargetId.nullable(),
  /**
   * Moves with every change the index stores. A deletion reads it before it looks, and
   * forgets the user only if it has not moved since (`forget({ ifRevision })`).
   */
  revision: z.number().int().nonnegative(),
});
export type UserTargetsPage = z.infer<typeof UserTargetsPage>;

/** A room the user wrote to, and when they last did (the room's clock, ms). */
export const RoomWrite = z.strictObject({ target: TargetId, lastAt: z.number().int().nonnegative() });
export type RoomWrite = z.infer<typeof RoomWrite>;

export const ForgetUserIndexInput = z.strictObject({
  /** Forget only if the index has not changed since this revision; absent: unconditionally. */
  ifRevision: z.number().int().nonnegative().optional(),
});
export type ForgetUserIndexInput = z.infer<typeof ForgetUserIndexInput>;

/** `forgotten: false`: something arrived after the caller's look; it must look again. */
export const ForgetUserIndexResult = z.strictObject({ forgotten: z.boolean(), revision: z.number().int().nonnegative() });
export type ForgetUserIndexResult = z.infer<typeof ForgetUserIndexResult>;

/**
 * Reconciliation and the backfill (workers/user-index-repair.ts): what a like holder (a room,
 * or a like shard of `epoch`) says of this user's like on each target, true at the holder's
 * `seq`. The object stores it only where its entry is older and says otherwise, so a repair
 * never undoes a change that is newer than the holder's read.
 */
export const RepairLikesInput = z.strictObject({
  userId: UserId,
  entries: z
    .array(
      z.strictObject({
        target: TargetId,
        liked: z.boolean(),
        likedAt: z.number().int().nonnegative().nullable(),
        epoch: z.number().int().nonnegative(),
        seq: z.number().int().nonnegative(),
      }),
    )
    .min(1)
    .max(100),
});
export type RepairLikesInput = z.infer<typeof RepairLikesInput>;

/**
 * Per entry, in order: `agrees` (nothing to do), `repaired` (stored), `newer` (the index holds a
 * change at least as new as the holder's read: left alone), `forgotten` (a like from before the
 * user's deletion: not stored; the caller has the room forget it). `wasLiked`: what the index
 * said before.
 */
export const RepairLikesResult = z.strictObject({
  outcomes: z.array(z.strictObject({ outcome: z.enum(["agrees", "repaired", "newer", "forgotten"]), wasLiked: z.boolean() })),
});
export type RepairLikesResult = z.infer<typeof RepairLikesResult>;

/** The backfill: targets where a room names the user other than by a like (`touched_targets`). */
export const NoteTouchesInput = z.strictObject({
  userId: UserId,
  touches: z
    .array(z.strictObject({ target: TargetId, kind: z.enum(["comment", "reaction", "ref"]), at: z.number().int().nonnegative() }))
    .min(1)
    .max(100),
});
export type NoteTouchesInput = z.infer<typeof NoteTouchesInput>;

/** `stored`: touches news to the index; `forgotten`: from before the user's deletion, not kept. */
export const NoteTouchesResult = z.strictObject({ stored: z.number().int().nonnegative(), forgotten: z.number().int().nonnegative() });
export type NoteTouchesResult = z.infer<typeof NoteTouchesResult>;
