import * as z from "zod/mini";
import { MARK_PATTERN, PROTOCOL_VERSION } from "../wire-constants";
import { count, Counts, Emoji, TargetId } from "./comment";

/**
 * What the embed's shell (client/embed/socket.ts, hub.ts) checks of a server frame: the frame's
 * type and every field the shell reads itself (counts, viewers, the target's reactions, the
 * like and reaction results, errors). Fields only a section reads (a hello's pinned comment, an
 * ack's comment, an event's payload) pass through unread, kept as sent: the section parses the
 * whole frame again with live.ts's ServerFrame in its own chunk. So the like button's bundle
 * does not grow with every event and answer a comment section or a moderator needs. The shell
 * never refuses a frame the full mirror accepts (test/workerd/mini-mirrors.test.ts).
 */

const RequestId = z.string().check(z.minLength(1), z.maxLength(64));
const Seq = count();
const Reactions = z.array(z.string());

export const ShellFrame = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("hello"),
    protocol: z.literal(PROTOCOL_VERSION),
    target: TargetId,
    count: count(),
    viewers: count(),
    seq: Seq,
    resync: z.boolean(),
    user: z.nullable(z.object({ id: z.string() })),
    reactions: Counts,
    settings: z.looseObject({ reactions: Reactions }),
    mine: z.optional(z.array(z.string())),
  }),
  z.object({ type: z.literal("count"), count: count(), seq: Seq }),
  z.object({ type: z.literal("viewers"), viewers: count() }),
  z.looseObject({ type: z.literal("event"), seq: Seq, replay: z.boolean(), event: z.looseObject({ kind: z.string() }) }),
  z.looseObject({
    type: z.literal("ack"),
    id: RequestId,
    result: z.optional(z.object({ liked: z.boolean(), count: count(), changed: z.boolean(), seq: Seq })),
    reaction: z.optional(z.object({ target: TargetId, emoji: Emoji, reacted: z.boolean(), count: count(), changed: z.boolean(), seq: Seq })),
  }),
  z.object({
    type: z.literal("error"),
    id: z.optional(RequestId),
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.optional(z.unknown()),
      retryAfterSeconds: z.optional(z.int().check(z.positive())),
    }),
  }),
  z.object({ type: z.literal("mode"), mode: z.enum(["full", "counts-only"]) }),
  z.object({ type: z.literal("incompatible"), protocol: z.int().check(z.positive()), message: z.string() }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("mark"), mark: z.string().check(z.regex(MARK_PATTERN)) }),
]);
export type ShellFrame = z.infer<typeof ShellFrame>;
export type ShellHello = Extract<ShellFrame, { type: "hello" }>;
export type ShellAck = Extract<ShellFrame, { type: "ack" }>;

/** The event payloads the shell reads (hub.ts): the like count, the target's reactions, the allowed reactions. */
export const ShellEvent = z.discriminatedUnion("kind", [
  z.object({ kind: z.enum(["like", "unlike"]), count: count() }),
  z.object({ kind: z.literal("reaction"), commentId: z.nullable(z.string()), emoji: Emoji, count: count() }),
  z.looseObject({ kind: z.literal("settings"), settings: z.looseObject({ reactions: Reactions }) }),
]);

/** REST answers the shell reads (protocol/likes.ts, live-tickets.ts, errors.ts). */
export const BatchCountResponse = z.object({ counts: Counts });
export const LiveTicket = z.object({ ticket: z.string(), expiresAt: z.int() });
export const LikeStatusResponse = z.object({ liked: z.boolean(), likedAt: z.nullable(z.string()) });
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }) });
