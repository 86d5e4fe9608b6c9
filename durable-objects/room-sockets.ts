import { z } from "zod";
import {
  CLOSE_CODES,
  PONG_FRAME,
  PROTOCOL_VERSION,
  type AckFrame,
  type ClientFrame,
  type ErrorFrame,
  type EventFrame,
  type HelloFrame,
  type HelloYours,
  type MarkFrame,
  type ServerFrame,
} from "../protocol/live";
import { LiveIdentity, type OpOutcome, type RoomError, type RoomResult } from "../protocol/internal/room-rpc";
import type { Comment } from "../protocol/comments";
import type { HeldComment } from "../protocol/held";
import type { ReactionResult } from "../protocol/reactions";
import type { RoomSettings } from "../protocol/moderation";
import type { LiveChanges } from "./live-broadcaster";
import type { ReplayPlan, RingEvent } from "./replay-ring";
import { decodeClientFrame, InvalidFrameLimiter } from "./frame-guard";
import { FrameBudget, FRAME_BURST, FRAMES_PER_SECOND } from "./frame-budget";
import { closeReply } from "./close-handshake";
import { MAX_UNREAD_BYTES, SendWindows, utf8Length } from "./send-window";
import { logEvent } from "../platform/log";
import { yieldToRuntime } from "../platform/yield";
import type { SocketCounters } from "./room-metrics";
import { includes, type Audience, type Viewer } from "./write-path/audience";
import { hasAudiences, userTag, visibleTo } from "./socket-audience";

/**
 * Sockets sent to before yielding to the runtime. Small enough that the first frames of a big
 * room leave before the last send, large enough that a room of thousands yields only a few
 * times: each yield lets queued work (requests, alarms, on one machine the queue consumer) in
 * ahead of the rest of the broadcast. 256 cost the last of 4,000 sockets +23 ms over the
 * floor's one loop at p50; 1,024 cost +17 ms (issue 20's bench, docs/realtime.md).
 */
export const BROADCAST_SLICE = 1024;
/**
 * A replay larger than this is answered with a resync instead: hello and replay go out
 * before the client can answer a mark, and must leave room under MAX_UNREAD_BYTES.
 */
export const MAX_REPLAY_BYTES = MAX_UNREAD_BYTES / 2;

/** What a socket carries through hibernation; parsed back on every wake-up, never cast. */
const SocketAttachment = z.object({
  user: LiveIdentity.nullable(),
  /**
   * A moderator of the room (owner, listed moderator, `admin` token) as of the accept or the
   * last change of the user's role: moderator-only events reach this socket. Absent: false.
   */
  moderator: z.boolean().optional(),
  /** The send window as of its last mark (send-window.ts); absent until the first one. */
  window: z.object({ unread: z.number().int().nonnegative(), mode: z.enum(["full", "counts-only"]) }).optional(),
});
type SocketAttachment = z.infer<typeof SocketAttachment>;

export interface RoomState {
  target: string;
  count: number;
  seq: number;
  comments: number;
  reactions: Record<string, number>;
  pinned: Comment | null;
  settings: RoomSettings;
}

export type LikeFrame = Extract<ClientFrame, { type: "like" | "unlike" }>;
type CommentFrame = Extract<ClientFrame, { type: "comment" }>;
type ReactFrame = Extract<ClientFrame, { type: "react" }>;

/** Socket writes go through the same room methods as the REST routes, as a verified user. */
export interface RoomSocketsDeps {
  state(): RoomState;
  replay(since: number, currentSeq: number): ReplayPlan;
  /** The frame's id is the like's request id (likes/socket-like.ts). */
  like(user: LiveIdentity, frame: LikeFrame): Promise<OpOutcome>;
  comment(user: LiveIdentity, frame: CommentFrame): Promise<RoomResult<Comment | HeldComment>>;
  react(user: LiveIdentity, frame: ReactFrame): Promise<RoomResult<ReactionResult>>;
  now?: () => number;
  /** Counts frames sent and what slow consumers were spared, for the room's metrics. */
  metrics?: SocketCounters;
  /** Viewers everywhere (a room with relays counts theirs too); default: these sockets. */
  viewers?: () => number;
  /** The room's own reactions a user holds, for their hello; absent where unknown (a relay). */
  reactionsOf?: (userId: string) => string[];
  /** A user's comments shown to them alone, for their hello (comments/yours.ts); absent on a relay. */
  yoursOf?: (userId: string) => HelloYours | undefined;
  /** Gets every frame these sockets are sent, in order, before they are: a room's relays. */
  mirror?: FrameMirror;
  /**
   * Whether a signed-in user moderates the room (RoomRoles.isModerator), asked at the accept;
   * absent on a relay, where no socket is a moderator's (socket-entry.ts keeps them in the room).
   */
  isModerator?: (user: LiveIdentity) => boolean;
}

/** Who else receives what a room publishes (durable-objects/relays/relay-fanout.ts). */
export interface FrameMirror {
  events(events: readonly RingEvent[]): void;
  publish(changes: LiveChanges): void;
}

/** A hello prepared before the accept: a relay asks the room for it (durable-objects/relays/). */
export interface PreparedHello {
  state: RoomState;
  plan: ReplayPlan;
  /** Viewers as the room counted them for this hello; default: deps.viewers. */
  viewers?: number;
  /** The signed-in viewer's reactions, when the room said them (a relay's hello); default: deps.reactionsOf. */
  mine?: string[];
  /** The signed-in viewer's held and shadowed comments, when the room said them (a relay's hello); default: deps.yoursOf. */
  yours?: HelloYours;
}

/**
 * The live sockets of one room, on the hibernation API: the runtime owns the sockets, the
 * identity and the send window ride in each socket's attachment, and everything kept here
 * only in memory (invalid-frame strikes, frame budgets) is safe to lose on eviction.
 *
 * What the room holds per socket is bounded whatever the client sends: at most
 * MAX_UNREAD_BYTES of frames sent and not proven read (send-window.ts), at most FRAME_BURST
 * frames taken in at once (frame-budget.ts), and a few numbers beside them.
 */
export class RoomSockets {
  private readonly windows: SendWindows<WebSocket>;
  private readonly invalid: InvalidFrameLimiter<WebSocket>;
  private readonly budget: FrameBudget<WebSocket>;
  private readonly attachments = new WeakMap<WebSocket, SocketAttachment>();
  private readonly now: () => number;
  /**
   * The open sockets, rebuilt from the runtime once per wake-up: a broadcast walks this set
   * instead of asking getWebSockets() (which builds a fresh array) on every flush.
   */
  private open: Set<WebSocket> | null = null;
  /** Broadcasts still sending their later slices, chained so frames never overtake. */
  private broadcastTail: Promise<void> = Promise.resolve();
  private queuedBroadcasts = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly deps: RoomSocketsDeps,
  ) {
    this.now = deps.now ?? Date.now;
    // A socket without a saved window was accepted before its first mark: it starts from zero
    // plus the margin load adds, like any other.
    this.windows = new SendWindows(this.now, (ws) => {
      const attachment = this.attachmentOf(ws);
      return attachment === null ? null : (attachment.window ?? { unread: 0, mode: "full" });
    });
    this.invalid = new InvalidFrameLimiter(this.now);
    this.budget = new FrameBudget(this.now);
  }

  /** Accepts an upgrade: the new socket gets its `hello`, then any replay, before anyone else's frame. */
  accept(user: LiveIdentity | null, since: number | undefined): Response {
    const state = this.deps.state();
    const plan = since === undefined ? { kind: "replay" as const, events: [] } : this.deps.replay(since, state.seq);
    return this.acceptPrepared(user, { state, plan }).response;
  }

  /** accept() with the hello already known; answers the server side too, for frames sent to it alone. */
  acceptPrepared(user: LiveIdentity | null, hello: PreparedHello): { response: Response; socket: WebSocket } {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    // Tagged by user, so a change of the user's role reaches their sockets (followRole).
    this.ctx.acceptWebSocket(server, user === null ? [] : [userTag(user.userId)]);
    this.sockets().add(server);
    const moderator = user !== null && (this.deps.isModerator?.(user) ?? false);
    const attachment: SocketAttachment = moderator ? { user, moderator } : { user };
    server.serializeAttachment(attachment);
    this.attachments.set(server, attachment);
    this.windows.open(server);

    const { state, plan } = hello;
    const events = plan.kind === "replay" ? visibleTo(plan.events, { userId: user?.userId ?? null, moderator }) : [];
    const texts = events.map(({ seq, at, event }) => JSON.stringify({ type: "event", seq, at, replay: true, event } satisfies EventFrame));
    const bytes = texts.map(utf8Length);
    // Too much to replay is a gap like a trimmed ring: the client replaces its state.
    const tooBig = bytes.reduce((sum, n) => sum + n, 0) > MAX_REPLAY_BYTES;
    const replay = tooBig ? [] : texts;
    this.send(server, {
      type: "hello",
      protocol: PROTOCOL_VERSION,
      target: state.target,
      count: state.count,
      viewers: hello.viewers ?? this.deps.viewers?.() ?? this.viewerCount(),
      seq: state.seq,
      resync: plan.kind === "resync" || tooBig,
      replay: replay.length,
      user: user === null ? null : { id: user.userId },
      comments: state.comments,
      reactions: state.reactions,
      pinned: state.pinned,
      settings: state.settings,
      ...(user === null ? {} : withMine(hello.mine ?? this.deps.reactionsOf?.(user.userId))),
      ...(user === null ? {} : withYours(hello.yours ?? this.deps.yoursOf?.(user.userId))),
    } satisfies HelloFrame);
    replay.forEach((text, i) => this.sendText(server, text, bytes[i]));
    return { response: new Response(null, { status: 101, webSocket: client }), socket: server };
  }

  /** One frame to one socket (a relay catching a new socket up), with the same accounting. */
  deliver(ws: WebSocket, frame: ServerFrame): void {
    this.send(ws, frame);
  }

  /** deliver() for an event, if the socket's viewer is in its audience. */
  deliverEvent(ws: WebSocket, frame: EventFrame, audience: Audience | undefined): void {
    if (includes(audience, this.viewerOf(ws))) this.send(ws, frame);
  }

  /**
   * A user's role changed: each of their open sockets here takes `moderator(user)` as it is now
   * (their token's roles still count), so the next event is filtered by the new role, without
   * a reconnect.
   */
  followRole(userId: string, moderator: (user: LiveIdentity) => boolean): void {
    for (const ws of this.socketsOf(userId)) {
      const attachment = this.attachmentOf(ws);
      if (attachment === null || attachment.user === null) continue;
      const now = moderator(attachment.user);
      if (now === (attachment.moderator ?? false)) continue;
      const { moderator: _was, ...rest } = attachment;
      this.saveAttachment(ws, now ? { ...rest, moderator: true } : rest);
    }
  }

  /** The open sockets of one signed-in user. */
  socketsOf(userId: string): WebSocket[] {
    return this.ctx
      .getWebSockets(userTag(userId))
      .filter((ws) => ws.readyState === WebSocket.READY_STATE_OPEN && this.attachmentOf(ws)?.user?.userId === userId);
  }

  /** Closes these sockets with `code` (the client reconnects, see CLOSE_CODES). */
  closeAll(sockets: readonly WebSocket[], code: number, reason: string): void {
    for (const ws of sockets) this.closeSocket(ws, code, reason);
  }

  /**
   * Exact number of open sockets. Every close reaches onClose (the hibernation API delivers
   * webSocketClose or webSocketError for each socket), so the set's size is the count; it is
   * read on every flush and every join, where walking thousands of sockets cost O(N) each.
   */
  viewerCount(): number {
    return this.sockets().size;
  }

  async onMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Frames still queued behind a close the room sent get no answer.
    if (ws.readyState !== WebSocket.READY_STATE_OPEN) return;
    if (!this.budget.take(ws)) {
      const message = `more than ${FRAME_BURST} frames at once or ${FRAMES_PER_SECOND} per second`;
      this.send(ws, { type: "error", error: { code: "too_many_frames", message } });
      this.closeSocket(ws, CLOSE_CODES.tooManyFrames, "too many frames");
      return;
    }
    const decoded = decodeClientFrame(message);
    if (!decoded.ok && decoded.code === "invalid_utf8") {
      this.send(ws, { type: "error", error: { code: decoded.code, message: decoded.message } });
      this.closeSocket(ws, CLOSE_CODES.invalidPayload, "invalid UTF-8");
      return;
    }
    if (!decoded.ok) {
      const { code, message: text, details } = decoded;
      this.send(ws, { type: "error", error: details === undefined ? { code, message: text } : { code, message: text, details } });
      if (this.invalid.strike(ws)) this.closeSocket(ws, CLOSE_CODES.policyViolation, "too many invalid frames");
      return;
    }
    await this.handle(ws, decoded.frame);
  }

  /** Completes the close handshake (close-handshake.ts); the caller re-broadcasts the viewer count. */
  onClose(ws: WebSocket, code: number, wasClean: boolean): void {
    const reply = closeReply(code, wasClean);
    this.closeSocket(ws, reply, reply === CLOSE_CODES.protocolError ? "invalid close code" : "closing");
  }

  /**
   * Sends coalesced changes to every open socket; viewer frames skip counts-only sockets.
   * Answers a promise while later slices are still being sent.
   */
  publish(changes: LiveChanges): Promise<void> | undefined {
    this.deps.mirror?.publish(changes);
    const countText = changes.count === undefined ? null : JSON.stringify({ type: "count", ...changes.count } satisfies ServerFrame);
    const viewersText = changes.viewers === undefined ? null : JSON.stringify({ type: "viewers", viewers: changes.viewers } satisfies ServerFrame);
    return this.inSlices((ws) => {
      if (ws.readyState !== WebSocket.READY_STATE_OPEN) {
        this.sockets().delete(ws);
        return;
      }
      const verdict = this.windows.assess(ws);
      if (verdict.switched) {
        this.deps.metrics?.switchedToCountsOnly();
        this.send(ws, { type: "mode", mode: verdict.mode });
        this.saveWindow(ws);
      }
      if (countText !== null) this.sendText(ws, countText, countText.length);
      if (viewersText !== null && verdict.mode === "full") this.sendText(ws, viewersText, viewersText.length);
      else if (viewersText !== null) this.deps.metrics?.framesDroppedSlow(1);
    });
  }

  /**
   * Sends committed events, in seq order, as they happen. Counts-only sockets skip them:
   * they asked for less, and catch up with a `since` reconnect when they want more.
   */
  broadcastEvents(events: readonly RingEvent[]): void {
    this.deps.mirror?.events(events);
    const texts = events.map(({ seq, at, event }) => JSON.stringify({ type: "event", seq, at, replay: false, event } satisfies EventFrame));
    const bytes = texts.map(utf8Length);
    // Events for everyone (nearly every broadcast) cost no per-socket look at who is watching.
    const filtered = hasAudiences(events);
    this.inSlices((ws) => {
      if (ws.readyState !== WebSocket.READY_STATE_OPEN) {
        this.sockets().delete(ws);
        return;
      }
      if (this.windows.mode(ws) !== "full") {
        this.deps.metrics?.framesDroppedSlow(texts.length);
        return;
      }
      if (!filtered) {
        texts.forEach((text, i) => this.sendText(ws, text, bytes[i]));
        return;
      }
      const viewer = this.viewerOf(ws);
      events.forEach(({ audience }, i) => {
        if (includes(audience, viewer)) this.sendText(ws, texts[i]!, bytes[i]);
      });
    });
  }

  /** Resolves after the last slice of every broadcast queued so far. */
  sent(): Promise<void> {
    return this.broadcastTail;
  }

  /**
   * Runs `each` for every socket open now, BROADCAST_SLICE sockets at a time. The runtime
   * writes a frame only once JavaScript yields, so one loop over 4,000 sockets holds every
   * frame until the last send; between slices it yields, and the first viewers' frames travel
   * (through the network, a proxy, the clients) while later ones are still being sent.
   * Broadcasts run one after another and each walks the sockets open when it was called, so
   * every socket gets frames in publish order, and a socket accepted meanwhile gets nothing
   * older than its hello. The first slice of a broadcast with none queued goes out at once.
   */
  private inSlices(each: (ws: WebSocket) => void): Promise<void> | undefined {
    let targets = [...this.sockets()];
    if (this.queuedBroadcasts === 0) {
      const first = Math.min(targets.length, BROADCAST_SLICE);
      for (let i = 0; i < first; i++) each(targets[i]!);
      if (first === targets.length) return undefined;
      targets = targets.slice(first);
    }
    this.queuedBroadcasts++;
    const rest = targets;
    return (this.broadcastTail = this.broadcastTail
      .then(async () => {
        for (let start = 0; start < rest.length; start += BROADCAST_SLICE) {
          await yieldToRuntime();
          const end = Math.min(rest.length, start + BROADCAST_SLICE);
          for (let i = start; i < end; i++) each(rest[i]!);
        }
      })
      .catch((error: unknown) => logEvent("broadcast_failed", { error: String(error) }))
      .finally(() => this.queuedBroadcasts--));
  }

  private async handle(ws: WebSocket, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "ping":
        this.sendText(ws, PONG_FRAME);
        return;
      case "seen": {
        const mode = this.windows.seen(ws, frame.mark);
        if (mode === null) return;
        this.send(ws, { type: "mode", mode });
        this.saveWindow(ws);
        return;
      }
      case "like":
      case "unlike":
      case "comment":
      case "react":
        try {
          await this.handleWrite(ws, frame);
        } catch (error) {
          // A write the room failed to carry out (not a refusal) is answered like REST's 500,
          // under its id: otherwise no frame came back and a client learnt of it only from its
          // own clock, if it had one. A retry under the same id is safe either way: a write that
          // was committed before the failure answers with what was stored.
          logEvent("socket_write_failed", { type: frame.type, id: frame.id, error: String(error) });
          this.sendError(ws, frame.id, { code: "internal", message: "internal error" });
        }
        return;
      default: {
        const unhandled: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unhandled)}`);
      }
    }
  }

  private async handleWrite(ws: WebSocket, frame: LikeFrame | CommentFrame | ReactFrame): Promise<void> {
    const { id } = frame;
    const user = this.attachmentOf(ws)?.user ?? null;
    if (user === null) {
      this.sendError(ws, id, { code: "unauthorized", message: `sign in with ?ticket= (POST /v1/live/tickets) to ${frame.type}` });
      return;
    }
    if (user.exp * 1000 <= this.now()) {
      this.sendError(ws, id, { code: "unauthorized", message: "token expired; reconnect with a ticket from a fresh token" });
      return;
    }
    switch (frame.type) {
      case "like":
      case "unlike": {
        const outcome = await this.deps.like(user, frame);
        if (!outcome.ok) return this.sendError(ws, id, outcome.error);
        const { liked, count, changed, seq } = outcome.result;
        this.send(ws, { type: "ack", id, result: { liked, count, changed, seq } } satisfies AckFrame);
        return;
      }
      case "comment": {
        const outcome = await this.deps.comment(user, frame);
        if (!outcome.ok) return this.sendError(ws, id, outcome.error);
        const answer = outcome.value;
        this.send(ws, ("held" in answer ? { type: "ack", id, held: answer } : { type: "ack", id, comment: answer }) satisfies AckFrame);
        return;
      }
      case "react": {
        const outcome = await this.deps.react(user, frame);
        if (!outcome.ok) return this.sendError(ws, id, outcome.error);
        this.send(ws, { type: "ack", id, reaction: outcome.value } satisfies AckFrame);
        return;
      }
    }
  }

  /** Who a socket stands for; an attachment that does not parse sees only what everyone sees. */
  private viewerOf(ws: WebSocket): Viewer {
    const attachment = this.attachmentOf(ws);
    return { userId: attachment?.user?.userId ?? null, moderator: attachment?.moderator ?? false };
  }

  private attachmentOf(ws: WebSocket): SocketAttachment | null {
    const cached = this.attachments.get(ws);
    if (cached) return cached;
    const parsed = SocketAttachment.safeParse(ws.deserializeAttachment());
    if (!parsed.success) return null;
    this.attachments.set(ws, parsed.data);
    return parsed.data;
  }

  private sendError(ws: WebSocket, id: string, error: Pick<RoomError, "code" | "message" | "retryAfterSeconds">): void {
    const { code, message, retryAfterSeconds } = error;
    const body = retryAfterSeconds === undefined ? { code, message } : { code, message, retryAfterSeconds };
    this.send(ws, { type: "error", id, error: body } satisfies ErrorFrame);
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    this.sendText(ws, JSON.stringify(frame));
  }

  /** `bytes`: the text's UTF-8 length, when the caller already knows it (a broadcast's frames). */
  private sendText(ws: WebSocket, text: string, bytes = utf8Length(text)): void {
    // Closed by an earlier frame of the same broadcast (or by the client): count it once.
    if (ws.readyState !== WebSocket.READY_STATE_OPEN) return;
    if (!this.windows.fits(ws, bytes)) {
      this.deps.metrics?.closedTooFarBehind();
      this.closeSocket(ws, CLOSE_CODES.tryAgainLater, "too far behind; reconnect with since");
      return;
    }
    try {
      ws.send(text);
    } catch {
      // The socket closed between the readyState check and the send; its close event follows.
      return;
    }
    this.windows.sent(ws, bytes);
    this.deps.metrics?.frameSent();
    const mark = this.windows.markDue(ws);
    if (mark === null) return;
    const markText = JSON.stringify({ type: "mark", mark } satisfies MarkFrame);
    if (!this.windows.fits(ws, markText.length)) return;
    try {
      ws.send(markText);
    } catch {
      return;
    }
    this.windows.marked(ws, mark, markText.length);
    this.deps.metrics?.frameSent();
    this.saveWindow(ws);
  }

  /** Keeps the send window in the attachment, so a wake-up does not start it from zero. */
  private saveWindow(ws: WebSocket): void {
    const attachment = this.attachmentOf(ws);
    if (attachment === null) return;
    this.saveAttachment(ws, { ...attachment, window: this.windows.saved(ws) });
  }

  private saveAttachment(ws: WebSocket, saved: SocketAttachment): void {
    try {
      ws.serializeAttachment(saved);
      this.attachments.set(ws, saved);
    } catch {
      // Closed meanwhile: nothing left to save it for.
    }
  }

  private sockets(): Set<WebSocket> {
    this.open ??= new Set(this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.READY_STATE_OPEN));
    return this.open;
  }

  private closeSocket(ws: WebSocket, code: number, reason: string): void {
    this.sockets().delete(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed: the runtime may have answered the close frame itself.
    }
  }
}

/** The hello's optional `mine`: present only when someone could tell (a relay asks its room). */
function withMine(mine: string[] | undefined): { mine?: string[] } {
  return mine === undefined ? {} : { mine };
}

/** The hello's optional `yours`: present only when the user has some (a relay's comes from its room). */
function withYours(yours: HelloYours | undefined): { yours?: HelloYours } {
  return yours === undefined ? {} : { yours };
}
