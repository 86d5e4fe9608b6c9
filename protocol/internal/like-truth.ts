import { z } from "zod";
import { ShardLayout } from "../shards";
import { ShardAddress } from "./shard-rpc";
import { TargetId, UserId } from "../target";

/**
 * What a like holder (a target's room, epoch 0, or one of its like shards) knows for certain
 * about its users, for repairing users' own indexes (workers/user-index-repair.ts): its likers,
 * and the users who unliked there recently (durable-objects/recent-unlikes.ts), in user id order.
 * Every entry of one page is true at the holder's (epoch, seq) when the page was read, so that
 * version can be stamped on a repair: any later change by the user carries a newer one.
 */
export const LikeTruthPageInput = z.strictObject({
  target: TargetId,
  afterUserId: UserId.nullable(),
  limit: z.number().int().min(1).max(1_000),
});
export type LikeTruthPageInput = z.infer<typeof LikeTruthPageInput>;

export const ShardLikeTruthPageInput = z.strictObject({
  address: ShardAddress,
  afterUserId: UserId.nullable(),
  limit: z.number().int().min(1).max(1_000),
});
export type ShardLikeTruthPageInput = z.infer<typeof ShardLikeTruthPageInput>;

export const LikeTruthEntry = z.strictObject({
  userId: UserId,
  liked: z.boolean(),
  /** The like's time (the holder's clock, ms) when liked, else null. */
  likedAt: z.number().int().nonnegative().nullable(),
});
export type LikeTruthEntry = z.infer<typeof LikeTruthEntry>;

export const LikeTruthPage = z.strictObject({
  epoch: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  /** The target's like count as this holder publishes it (the room: the sum over shards). */
  likes: z.number().int().nonnegative(),
  entries: z.array(LikeTruthEntry),
  nextAfter: UserId.nullable(),
  /** The room only, when the target is sharded: every epoch's shards hold likers too. */
  layout: ShardLayout.nullable(),
});
export type LikeTruthPage = z.infer<typeof LikeTruthPage>;

/**
 * The backfill (workers/backfill/user-indexes.ts): the users a room names other than by a like,
 * in user id order, with what kind of touch and its latest time (0: the room does not keep one).
 * What the user's index files under `touched_targets`.
 */
export const TouchedUsersPageInput = LikeTruthPageInput;
export type TouchedUsersPageInput = LikeTruthPageInput;

export const TouchKind = z.enum(["comment", "reaction", "ref"]);
export type TouchKind = z.infer<typeof TouchKind>;

export const TouchedUsersPage = z.strictObject({
  users: z.array(z.strictObject({ userId: UserId, touches: z.array(z.strictObject({ kind: TouchKind, at: z.number().int().nonnegative() })) })),
  nextAfter: UserId.nullable(),
});
export type TouchedUsersPage = z.infer<typeof TouchedUsersPage>;
