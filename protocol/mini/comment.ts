import * as z from "zod/mini";
import { COMMENT_ID_PATTERN, EMOJI_PATTERN, MAX_COMMENT_LENGTH, TARGET_PATTERN } from "../wire-constants";

/**
 * A comment and a room's settings in zod/mini: read by the live frames (live.ts) and by the
 * comment section's REST answers (comments.ts), two separate builds of the embed.
 */

// Parsed without `new Function`, so a host page whose CSP lacks 'unsafe-eval' sees no violation.
z.config({ jitless: true });

export const count = () => z.int().check(z.nonnegative());
export const TargetId = z.string().check(z.regex(TARGET_PATTERN));
export const CommentId = z.string().check(z.regex(COMMENT_ID_PATTERN));
export const Emoji = z.string().check(z.minLength(1), z.maxLength(32), z.regex(EMOJI_PATTERN));
export const Counts = z.record(z.string(), count());

export const Comment = z.object({
  id: CommentId,
  target: TargetId,
  author: z.object({ id: z.nullable(z.string().check(z.minLength(1), z.maxLength(128))), name: z.string() }),
  text: z.string(),
  mentions: z.array(z.string()),
  replyTo: z.nullable(CommentId),
  createdAt: z.string(),
  seq: count(),
  reactions: Counts,
  replies: count(),
  highlighted: z.boolean(),
  deleted: z.boolean(),
  editedAt: z.optional(z.string()),
});

export const RoomSettings = z.object({
  commentsEnabled: z.boolean(),
  slowModeSeconds: z.int().check(z.minimum(0), z.maximum(120)),
  membersOnly: z.boolean(),
  maxCommentLength: z.int().check(z.minimum(1), z.maximum(MAX_COMMENT_LENGTH)),
  filter: z.enum(["mask", "reject", "off"]),
  reactions: z.array(Emoji).check(z.minLength(1), z.maxLength(32)),
  emoteOnly: z.boolean(),
  uniqueChat: z.boolean(),
  newcomerWaitMinutes: z.int().check(z.minimum(0), z.maximum(7 * 24 * 60)),
  editWindowMinutes: z.int().check(z.minimum(0), z.maximum(60)),
  premoderation: z.boolean(),
  newcomerLinkMinutes: z.int().check(z.minimum(0), z.maximum(7 * 24 * 60)),
  hideAfterReports: z.int().check(z.minimum(0), z.maximum(100)),
  publishDelaySeconds: z.int().check(z.minimum(0), z.maximum(120)),
});

/** protocol/held.ts's HeldComment. */
export const HeldComment = z.object({
  id: CommentId,
  target: TargetId,
  author: z.object({ id: z.nullable(z.string().check(z.minLength(1), z.maxLength(128))), name: z.string() }),
  text: z.string(),
  mentions: z.array(z.string()),
  replyTo: z.nullable(CommentId),
  createdAt: z.string(),
  held: z.literal(true),
  heldFor: z.enum(["suspect_term", "premoderation", "newcomer_link", "reports", "delay", "restricted"]),
  editOf: z.optional(CommentId),
  releaseAt: z.optional(z.string()),
});

