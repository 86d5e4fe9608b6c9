import * as z from "zod/mini";
import { Comment, CommentId, count, Emoji, HeldComment, RoomSettings } from "./comment";

/**
 * The payload of every live event kind (protocol/live.ts LiveEvent), one schema per kind:
 * live.ts joins them into the frame union (the SDK, the tests), and a section of the embed
 * reads the one kind it got with `readEvent` and the hello's fields with `SectionHello`,
 * without the frame union (its chunk stays small; the shell checked the frame around it,
 * protocol/mini/shell-frame.ts).
 */

const UserId = z.string().check(z.minLength(1), z.maxLength(128));
/** protocol/live.ts ModLogEvent's entry: `action` a string, so an action added later still reads. */
const ModLogEntry = z.object({
  id: z.int(),
  at: z.string(),
  moderator: UserId,
  action: z.string().check(z.minLength(1), z.maxLength(32)),
  userId: z.nullable(UserId),
  commentId: z.nullable(CommentId),
  reason: z.nullable(z.string()),
  detail: z.nullable(z.string()),
});

export const EVENTS = {
  like: z.object({ kind: z.enum(["like", "unlike"]), count: count() }),
  comment: z.object({ kind: z.literal("comment"), comment: Comment }),
  comment_deleted: z.object({ kind: z.literal("comment_deleted"), id: CommentId, replyTo: z.nullable(CommentId) }),
  comment_highlight: z.object({ kind: z.literal("comment_highlight"), id: CommentId, highlighted: z.boolean() }),
  pin: z.object({ kind: z.literal("pin"), comment: z.nullable(Comment) }),
  reaction: z.object({ kind: z.literal("reaction"), commentId: z.nullable(CommentId), emoji: Emoji, count: count() }),
  settings: z.object({ kind: z.literal("settings"), settings: RoomSettings }),
  modlog: z.object({ kind: z.literal("modlog"), entry: ModLogEntry }),
  report: z.object({ kind: z.literal("report"), commentId: CommentId, reports: z.int().check(z.positive()) }),
  held: z.object({ kind: z.literal("held"), comment: HeldComment }),
  held_resolved: z.object({ kind: z.literal("held_resolved"), heldId: CommentId, outcome: z.enum(["approved", "denied"]), comment: z.nullable(Comment) }),
};

export type LiveEvent = { [K in keyof typeof EVENTS]: z.infer<(typeof EVENTS)[K]> }[keyof typeof EVENTS];

/** One event's payload, parsed by its kind's schema; null for a kind this build does not know or a payload it refuses. */
export function readEvent(event: { kind: string }): LiveEvent | null {
  const schema = event.kind === "unlike" ? EVENTS.like : (EVENTS as Record<string, z.ZodMiniType<LiveEvent> | undefined>)[event.kind];
  const read = schema?.safeParse(event);
  return read?.success ? read.data : null;
}

/** protocol/live.ts HelloYours: a signed-in viewer's comments the room shows to them alone. */
const upTo20 = z.maxLength(20);
export const HelloYours = z.object({ held: z.array(HeldComment).check(upTo20), comments: z.array(Comment).check(upTo20) });

/** The hello's fields a section reads beyond what the shell checked. */
export const SectionHello = z.object({
  seq: count(),
  resync: z.boolean(),
  comments: count(),
  pinned: z.nullable(Comment),
  settings: RoomSettings,
  yours: z.optional(HelloYours),
});
