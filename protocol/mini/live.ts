import * as z from "zod/mini";
import { MARK_PATTERN, MAX_BATCH_TARGETS, PROTOCOL_VERSION } from "../wire-constants";
import { Comment, count, Counts, Emoji, HeldComment, RoomSettings, TargetId } from "./comment";
import { EVENTS, HelloYours } from "./events";

/**
 * The browser's mirror of the server frames of protocol/live.ts, in zod/mini: the classic
 * schemas cost a page about 95 KB, these a few. test/workerd/mini-mirrors.test.ts proves both
 * accept and refuse the same frames, so a change to one without the other fails there.
 * Only what a browser reads is mirrored (server frames, REST answers the embed parses).
 */

const RequestId = z.string().check(z.minLength(1), z.maxLength(64));
const Mark = z.string().check(z.regex(MARK_PATTERN));
const Seq = count();

const ReactionResult = z.object({ target: TargetId, emoji: Emoji, reacted: z.boolean(), count: count(), changed: z.boolean(), seq: Seq });

export const LiveEvent = z.discriminatedUnion("kind", [
  EVENTS.like,
  EVENTS.comment,
  EVENTS.comment_deleted,
  EVENTS.comment_highlight,
  EVENTS.pin,
  EVENTS.reaction,
  EVENTS.settings,
  EVENTS.modlog,
  EVENTS.report,
  EVENTS.held,
  EVENTS.held_resolved,
]);

export const ServerFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("hello"),
    protocol: z.literal(PROTOCOL_VERSION),
    target: TargetId,
    count: count(),
    viewers: count(),
    seq: Seq,
    resync: z.boolean(),
    replay: count(),
    user: z.nullable(z.object({ id: z.string() })),
    comments: count(),
    reactions: Counts,
    pinned: z.nullable(Comment),
    settings: RoomSettings,
    mine: z.optional(z.array(z.string())),
    yours: z.optional(HelloYours),
  }),
  z.object({ type: z.literal("count"), count: count(), seq: Seq }),
  z.object({ type: z.literal("viewers"), viewers: count() }),
  z.object({ type: z.literal("event"), seq: Seq, at: count(), replay: z.boolean(), event: LiveEvent }),
  z.object({
    type: z.literal("ack"),
    id: RequestId,
    result: z.optional(z.object({ liked: z.boolean(), count: count(), changed: z.boolean(), seq: Seq })),
    comment: z.optional(Comment),
    held: z.optional(HeldComment),
    reaction: z.optional(ReactionResult),
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
  z.object({ type: z.literal("mark"), mark: Mark }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type HelloFrame = Extract<ServerFrame, { type: "hello" }>;
export type AckFrame = Extract<ServerFrame, { type: "ack" }>;
export type EventFrame = Extract<ServerFrame, { type: "event" }>;

/** REST answers the embed and the SDK read: one definition, in the shell's module. */
export { BatchCountResponse, ErrorBody, LikeStatusResponse, LiveTicket } from "./shell-frame";

export { Comment, MAX_BATCH_TARGETS };
