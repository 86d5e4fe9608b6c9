import { z } from "zod";
import { TargetId } from "./target";
import { Comment, CommentId, MAX_COMMENT_LENGTH } from "./comments";
import { Emoji, ReactionResult } from "./reactions";
import { ModLogEntry, RoomSettings } from "./moderation";
import { HeldComment, HeldResolution } from "./held";
import { encodeFrameText, MARK_PATTERN, PROTOCOL_VERSION } from "./wire-constants";

/**
 * The live WebSocket protocol of `GET /v1/targets/:target/live`, shared by the Worker, the
 * TargetRoom and the browser client. Bump PROTOCOL_VERSION on any change an old peer would
 * misread; a client that asks for another version gets an `incompatible` frame and a close.
 */
export { PING_FRAME, PONG_FRAME, PROTOCOL_VERSION } from "./wire-constants";

/** Client frames larger than this (UTF-8 bytes) are refused without being parsed. */
export const MAX_CLIENT_FRAME_BYTES = 4 * 1024;

export { CLOSE_CODES } from "./wire-constants";

/** Serialises a client frame for the wire (why U+FFFD goes escaped: wire-constants.ts encodeFrameText). */
export function encodeClientFrame(frame: ClientFrame): string {
  return encodeFrameText(frame);
}

/** A client-chosen id echoed in the `ack` or `error` that answers a write. */
export const RequestId = z.string().min(1).max(64);

const LikeFrame = z.strictObject({ type: z.literal("like"), id: RequestId });
const UnlikeFrame = z.strictObject({ type: z.literal("unlike"), id: RequestId });
/** Sent by a client only if it did not match PING_FRAME byte for byte; answered by the room. */
const PingFrame = z.strictObject({ type: z.literal("ping") });
/** The random id of a `mark` frame: knowing it proves having read the frame. */
export const Mark = z.string().regex(MARK_PATTERN);
/**
 * Flow control: the client answers each `mark` frame with its id. The runtime exposes no
 * buffered amount on server sockets, and a client's own count of what it read cannot be
 * checked; a mark's id can only be known by reading it (see durable-objects/send-window.ts).
 */
const SeenFrame = z.strictObject({ type: z.literal("seen"), mark: Mark });

/** Posts a comment; `id` doubles as the idempotency key, so a resent frame posts once. */
const CommentFrame = z.strictObject({
  type: z.literal("comment"),
  id: RequestId,
  text: z.string().max(MAX_COMMENT_LENGTH * 4),
  replyTo: CommentId.optional(),
});
/** Reacts to the room's target, or with `commentId` to one of its comments. */
const ReactFrame = z.strictObject({
  type: z.literal("react"),
  id: RequestId,
  emoji: Emoji,
  action: z.enum(["add", "remove"]),
  commentId: CommentId.optional(),
});

export const ClientFrame = z.discriminatedUnion("type", [LikeFrame, UnlikeFrame, CommentFrame, ReactFrame, PingFrame, SeenFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame["type"];

/**
 * The payload of an `event` frame. Discriminated by `kind` so later issues add comments and
 * reactions as new members without touching the frame around them.
 */
export const LikeChangeEvent = z.object({
  kind: z.enum(["like", "unlike"]),
  /** The exact like count right after this change. */
  count: z.number().int().nonnegative(),
});
export const CommentEvent = z.object({ kind: z.literal("comment"), comment: Comment });
/** A tombstone: the comment is gone from history; clients remove it from view. */
export const CommentDeletedEvent = z.object({ kind: z.literal("comment_deleted"), id: CommentId, replyTo: CommentId.nullable() });
export const CommentHighlightEvent = z.object({ kind: z.literal("comment_highlight"), id: CommentId, highlighted: z.boolean() });
export const PinEvent = z.object({ kind: z.literal("pin"), comment: Comment.nullable() });
/** `commentId` null: a reaction on the room's own target. `count` is exact after the change. */
export const ReactionEvent = z.object({
  kind: z.literal("reaction"),
  commentId: CommentId.nullable(),
  emoji: Emoji,
  count: z.number().int().nonnegative(),
});
export const SettingsEvent = z.object({ kind: z.literal("settings"), settings: RoomSettings });
/**
 * A new mod log entry (GET .../modlog), sent to the room's moderators only: other sockets never
 * receive it and see a gap in seq, which a client ignores (it keeps only the last seq for `since`).
 * `action` is any short string here, not ModLogAction's list: an action added later (approve,
 * deny, restrict...) still reaches a client built before it, instead of making it drop the frame.
 */
export const ModLogEvent = z.object({ kind: z.literal("modlog"), entry: ModLogEntry.extend({ action: z.string().min(1).max(32) }) });
// Held comments (protocol/held.ts): sent only to their author and the moderators.
/** A comment went into the review queue (a new one, or a public one hidden by reports). */
export const HeldEvent = z.object({ kind: z.literal("held"), comment: HeldComment });
/** A moderator approved or denied a held comment; the published one also arrives as `comment`. */
export const HeldResolvedEvent = z.object({ kind: z.literal("held_resolved"), ...HeldResolution.shape });
/** A comment got a new report (moderators only): their report lists read again. `reports`: its open reports now. */
export const ReportEvent = z.object({ kind: z.literal("report"), commentId: CommentId, reports: z.number().int().positive() });
export const LiveEvent = z.discriminatedUnion("kind", [
  LikeChangeEvent,
  CommentEvent,
  CommentDeletedEvent,
  CommentHighlightEvent,
  PinEvent,
  ReactionEvent,
  SettingsEvent,
  ModLogEvent,
  ReportEvent,
  HeldEvent,
  HeldResolvedEvent,
]);
export type LiveEvent = z.infer<typeof LiveEvent>;

const Seq = z.number().int().nonnegative();

/**
 * The hello's `yours`: each list holds at most MAX_YOURS, the most an author can have waiting
 * of each kind (MAX_HELD_PER_AUTHOR, durable-objects/comments/held-comments.ts).
 */
export const MAX_YOURS = 20;
export const HelloYours = z.object({ held: z.array(HeldComment).max(MAX_YOURS), comments: z.array(Comment).max(MAX_YOURS) });
export type HelloYours = z.infer<typeof HelloYours>;

export const HelloFrame = z.object({
  type: z.literal("hello"),
  protocol: z.literal(PROTOCOL_VERSION),
  target: TargetId,
  count: z.number().int().nonnegative(),
  viewers: z.number().int().nonnegative(),
  seq: Seq,
  /**
   * True when the client asked for `since` but the room no longer holds every event after
   * it (or `since` is ahead of the room): this snapshot replaces whatever the client had.
   */
  resync: z.boolean(),
  /** How many `event` frames follow this hello as replay (seq `since`+1 .. `seq`). */
  replay: z.number().int().nonnegative(),
  /** The identity the room took from the ticket, or null for a read-only viewer. */
  user: z.object({ id: z.string() }).nullable(),
  /** Visible (not deleted) comments in the room. */
  comments: z.number().int().nonnegative(),
  /** Reactions on the room's own target by emoji. */
  reactions: z.record(z.string(), z.number().int().nonnegative()),
  pinned: Comment.nullable(),
  settings: RoomSettings,
  /**
   * The room's own reactions the signed-in viewer holds (added in issue 19; absent for a
   * read-only viewer and in a hello a relay builds): after a reload, their buttons show pressed.
   */
  mine: z.array(z.string()).optional(),
  /**
   * The signed-in viewer's own comments this room shows to them alone (added in issue 21;
   * absent for a read-only viewer and for a user with none): `held`, waiting for a moderator or
   * the publish delay (oldest first; held edits carry `editOf`), and `comments`, a restricted
   * author's shadowed comments as the ordinary comments they were shown (docs/moderation.md).
   * REST pages are public and cached, so after a reload only the hello can show them again.
   */
  yours: HelloYours.optional(),
});

export const CountFrame = z.object({ type: z.literal("count"), count: z.number().int().nonnegative(), seq: Seq });
export const ViewersFrame = z.object({ type: z.literal("viewers"), viewers: z.number().int().nonnegative() });
export const EventFrame = z.object({
  type: z.literal("event"),
  seq: Seq,
  at: z.number().int().nonnegative(),
  /** True for events re-sent after a reconnect with `since`. */
  replay: z.boolean(),
  event: LiveEvent,
});
/** Answers a write: `result` for like/unlike, `comment` for comment, `reaction` for react. */
export const AckFrame = z.object({
  type: z.literal("ack"),
  id: RequestId,
  result: z.object({ liked: z.boolean(), count: z.number().int().nonnegative(), changed: z.boolean(), seq: Seq }).optional(),
  comment: Comment.optional(),
  /** Instead of `comment` when the comment was held for review (protocol/held.ts). */
  held: HeldComment.optional(),
  reaction: ReactionResult.optional(),
});
export const ErrorFrame = z.object({
  type: z.literal("error"),
  /** The request id when the error answers a write; absent for frames that could not be read. */
  id: RequestId.optional(),
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    /** Set on `rate_limited` and `slow_mode`: when the same write would be accepted. */
    retryAfterSeconds: z.number().int().positive().optional(),
  }),
});
/** "counts-only" means the room saw this socket fall behind and sends it only `count` frames. */
export const ModeFrame = z.object({ type: z.literal("mode"), mode: z.enum(["full", "counts-only"]) });
export const IncompatibleFrame = z.object({
  type: z.literal("incompatible"),
  /**
   * The server's version, any number: the client reading this frame is the one that speaks
   * another version, so a literal of its own would refuse the very frame meant for it.
   */
  protocol: z.number().int().positive(),
  message: z.string(),
});
const PongFrame = z.object({ type: z.literal("pong") });
/** Sent after every few KiB; the client answers `{"type":"seen","mark"}` as soon as it reads it. */
export const MarkFrame = z.object({ type: z.literal("mark"), mark: Mark });

export const ServerFrame = z.discriminatedUnion("type", [
  HelloFrame,
  CountFrame,
  ViewersFrame,
  EventFrame,
  AckFrame,
  ErrorFrame,
  ModeFrame,
  IncompatibleFrame,
  PongFrame,
  MarkFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type HelloFrame = z.infer<typeof HelloFrame>;
export type CountFrame = z.infer<typeof CountFrame>;
export type ViewersFrame = z.infer<typeof ViewersFrame>;
export type EventFrame = z.infer<typeof EventFrame>;
export type AckFrame = z.infer<typeof AckFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type ModeFrame = z.infer<typeof ModeFrame>;
export type IncompatibleFrame = z.infer<typeof IncompatibleFrame>;
export type MarkFrame = z.infer<typeof MarkFrame>;

/**
 * The query of the upgrade request. `ticket` (from `POST /v1/live/tickets`) signs the socket in;
 * the Worker checks it before the room sees it, and the room spends it.
 */
export const LiveQuery = z.object({
  ticket: z.string().min(1).max(4096).optional(),
  since: z.coerce.number().int().nonnegative().optional(),
  v: z.coerce.number().int().positive().optional(),
});
export type LiveQuery = z.infer<typeof LiveQuery>;
