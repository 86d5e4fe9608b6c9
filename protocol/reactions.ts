import { z } from "zod";
import { TargetId, UserId } from "./target";
import { EMOJI_PATTERN } from "./wire-constants";

export const DEFAULT_REACTIONS = ["like", "love", "haha", "wow", "sad", "angry"] as const;


/** A reaction is a short name (`love`, `party_popper`) or an emoji sequence (`🎉`, `👍🏽`). */
export const Emoji = z
  .string()
  .min(1)
  .max(32)
  .regex(EMOJI_PATTERN, "not a reaction name or emoji")
  // The OpenAPI generator writes a regex with flags as `...$/u`, a pattern no emoji matches;
  // JSON Schema patterns are read in Unicode mode anyway, so the source alone is exact.
  .meta({ pattern: EMOJI_PATTERN.source });
export type Emoji = z.infer<typeof Emoji>;

export const ReactionRequest = z.strictObject({
  target: TargetId,
  emoji: Emoji,
  action: z.enum(["add", "remove"]),
});
export type ReactionRequest = z.infer<typeof ReactionRequest>;

export const ReactionResult = z.object({
  target: TargetId,
  emoji: Emoji,
  /** Whether the caller now has this reaction on the target. */
  reacted: z.boolean(),
  /** Exact count of this emoji on the target after the write. */
  count: z.number().int().nonnegative(),
  changed: z.boolean(),
  seq: z.number().int().nonnegative(),
});
export type ReactionResult = z.infer<typeof ReactionResult>;

export const ReactionUsersQuery = z.strictObject({
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const ReactionUsersPage = z.object({
  items: z.array(z.object({ userId: UserId, reactedAt: z.string() })),
  nextCursor: z.string().nullable(),
});
export type ReactionUsersPage = z.infer<typeof ReactionUsersPage>;
