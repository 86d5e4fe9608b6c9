import { z } from "zod";
import { TargetId, UserId } from "./target";
import { MAX_BATCH_TARGETS } from "./wire-constants";

export const LikeAction = z.enum(["like", "unlike"]);
export type LikeAction = z.infer<typeof LikeAction>;

/**
 * `user_id` is accepted only so that clients ported from the seed API keep working;
 * identity always comes from the token and a different value is refused with 403.
 */
export const LikeRequest = z.strictObject({
  target: TargetId,
  action: LikeAction,
  user_id: UserId.optional(),
});
export type LikeRequest = z.infer<typeof LikeRequest>;

export const ToggleRequest = z.strictObject({
  target: TargetId,
  user_id: UserId.optional(),
});
export type ToggleRequest = z.infer<typeof ToggleRequest>;

export const LikeResult = z.object({
  target: TargetId,
  liked: z.boolean(),
  count: z.number().int().nonnegative(),
  changed: z.boolean(),
  seq: z.number().int().nonnegative(),
});
export type LikeResult = z.infer<typeof LikeResult>;

export const CountResponse = z.object({
  target: TargetId,
  count: z.number().int().nonnegative(),
  asOf: z.string(),
});
export type CountResponse = z.infer<typeof CountResponse>;

export const StatsResponse = z.object({
  target: TargetId,
  likes: z.number().int().nonnegative(),
  reactions: z.record(z.string(), z.number().int().nonnegative()),
  comments: z.number().int().nonnegative(),
  viewers: z.number().int().nonnegative(),
  asOf: z.string(),
});
export type StatsResponse = z.infer<typeof StatsResponse>;

export { MAX_BATCH_TARGETS } from "./wire-constants";

export const BatchCountRequest = z.strictObject({
  targets: z.array(TargetId).min(1).max(MAX_BATCH_TARGETS),
});
export type BatchCountRequest = z.infer<typeof BatchCountRequest>;

/**
 * The longest `targets` list a GET can carry: 100 of the longest ids (`comment:` and 64
 * characters) with their commas. Checked before the split, so no list is split unbounded.
 */
export const MAX_BATCH_QUERY_CHARS = MAX_BATCH_TARGETS * ("comment:".length + 64 + 1) - 1;

/**
 * `GET /v1/counts?targets=a,b,c`: the batch as a plain GET, so a page on another origin reads it
 * without a preflight and caches can keep it (a cross-origin JSON POST is preflighted and never
 * cached). Commas cannot occur in a target id, so the list splits unambiguously.
 */
export const BatchCountQuery = z.strictObject({
  targets: z
    .string()
    .min(1)
    .max(MAX_BATCH_QUERY_CHARS)
    .transform((list) => list.split(","))
    .pipe(z.array(TargetId).min(1).max(MAX_BATCH_TARGETS)),
});
export type BatchCountQuery = z.infer<typeof BatchCountQuery>;

export const BatchCountResponse = z.object({
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
export type BatchCountResponse = z.infer<typeof BatchCountResponse>;

export const LikeStatusResponse = z.object({
  liked: z.boolean(),
  likedAt: z.string().nullable(),
});
export type LikeStatusResponse = z.infer<typeof LikeStatusResponse>;

export const UserLikesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});
export type UserLikesQuery = z.infer<typeof UserLikesQuery>;

export const UserLikesResponse = z.object({
  items: z.array(z.object({ target: TargetId, likedAt: z.string() })),
  nextCursor: z.string().nullable(),
  total: z.number().int().nonnegative(),
});
export type UserLikesResponse = z.infer<typeof UserLikesResponse>;
