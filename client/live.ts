import { WebSocket as ReconnectingWebSocket } from "partysocket";
import type { ClientFrame } from "../protocol/live";
// The zod/mini mirror of the server frames, not the classic schemas (a few KB in a bundle, not ~95).
import { ServerFrame, type AckFrame, type EventFrame, type HelloFrame } from "../protocol/mini/live";
import { CLOSE_CODES, encodeFrameText, PING_FRAME, PROTOCOL_VERSION } from "../protocol/wire-constants";
import { ticketSource, TicketRefusedError, type TicketRetry, type TokenSource } from "./tickets";

export type { TicketRetry, TokenSource } from "./tickets";

type ErrorFrame = Extract<ServerFrame, { type: "error" }>;
type ModeFrame = Extract<ServerFrame, { type: "mode" }>;

/**
 * "refused": the ticket route refused this client's token (401/403), or the room refused its
 * tickets again and again; it stays offline until `reconnect()` (after a new sign-in).
 */

export type LiveStatus = "connecting" | "open" | "reconnecting" | "refused" | "closed" | "incompatible";

export interface ConnectOptions {
  /** `https://api.example.com` (or `http://127.0.0.1:8787`); `ws(s)://` is derived from it. */
  baseUrl: string;
  /**
   * Asked before every (re)connect; the SDK trades it for a single-use ticket at
   * `POST /v1/live/tickets`, so the token itself never travels in a URL. Without one (or
   * when it answers null) the socket is a read-only viewer.
   */
  token?: TokenSource;
  /** For the ticket requests, in runtimes without a global fetch (or to observe them). */
  fetch?: typeof fetch;
  onCount?: (count: number, seq: number) => void;
  onViewers?: (viewers: number) => void;
  /** Live and replayed events (`frame.replay` tells them apart); seq is the room's. */
  onEvent?: (frame: EventFrame) => void;
  /** Every snapshot; `hello.resync` means local state must be replaced, not merged. */
  onHello?: (hello: HelloFrame) => void;
  onStatus?: (status: LiveStatus) => void;
  /** Errors not tied to a request (e.g. the server could not read a frame, or refused the sign-in). */
  onError?: (error: ErrorFrame["error"]) => void;
  /** The ticket route answered 429/5xx or could not be reached: the SDK waits this long first. */
  onTicketRetry?: (retry: TicketRetry) => void;
  onMode?: (mode: ModeFrame["mode"]) => void;
  /** A WebSocket constructor for runtimes without a global one. */
  WebSocket?: unknown;
  /** Heartbeat: a ping every this many ms; no frame within HEARTBEAT_TIMEOUT_MS forces a reconnect. */
  pingIntervalMs?: number;
  requestTimeoutMs?: number;
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

export interface LiveState {
  count: number | null;
  viewers: number | null;
  /** The room seq up to which this client has seen every event; `since` on reconnect. */
  seq: number | null;
  /** The seq of the count shown; counts travel coalesced, apart from events. */
  countSeq: number | null;
  mode: ModeFrame["mode"];
}

export type WriteResult = NonNullable<AckFrame["result"]>;
export type CommentResult = NonNullable<AckFrame["comment"]>;
export type ReactionWriteResult = NonNullable<AckFrame["reaction"]>;

export interface LiveConnection {
  like(): Promise<WriteResult>;
  unlike(): Promise<WriteResult>;
  /** Posts a comment (or a reply); a resend after a reconnect posts it once. */
  comment(text: string, replyTo?: string): Promise<CommentResult>;
  /** Adds or removes a reaction on the room's target, or on one of its comments. */
  react(emoji: string, action: "add" | "remove", commentId?: string): Promise<ReactionWriteResult>;
  readonly state: Readonly<LiveState>;
  readonly status: LiveStatus;
  /** Drops the socket and connects again (with a fresh token and ticket, resuming from the last seq); also leaves "refused". */
  reconnect(): void;
  close(): void;
}

/** A write the server refused; `code` is from the API's error codes (e.g. "unauthorized"). */
export class LiveRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Set for `rate_limited` and `slow_mode`: seconds until the same write would pass. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "LiveRequestError";
  }
}

const DEFAULT_PING_INTERVAL_MS = 25_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/**
 * The Worker refuses a ticket by accepting the socket and closing it with a 44xx code (a browser
 * cannot read a refused upgrade's status). An expired, used or unreadable ticket is worth a
 * fresh one (it may have aged on a slow link); this many refusals in a row before any hello
 * mean the next ticket will be refused too.
 */
const MAX_REFUSED_TICKETS_IN_A_ROW = 3;
const TICKET_REFUSALS: ReadonlySet<number> = new Set([CLOSE_CODES.ticketInvalid, CLOSE_CODES.ticketExpired, CLOSE_CODES.ticketUsed]);

interface PendingWrite {
  frame: ClientFrame;
  resolve: (ack: AckFrame) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The socket's address; it takes a ticket, never a token (URLs end up in logs). */
export function liveUrl(baseUrl: string, target: string, query: { ticket?: string; since?: number }): string {
  const url = new URL(`/v1/targets/${encodeURIComponent(target)}/live`, baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("v", String(PROTOCOL_VERSION));
  if (query.ticket) url.searchParams.set("ticket", query.ticket);
  if (query.since !== undefined) url.searchParams.set("since", String(query.since));
  return url.toString();
}

/**
 * A server frame as this client reads it, or null to ignore it. Servers only grow the protocol
 * (docs/realtime.md#protocol-versions): an unknown frame type or event kind is null, never an
 * error, and a field this client does not know is dropped.
 */
export function readServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const parsed = ServerFrame.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/**
 * Opens a live connection to one target. Reconnects with backoff; before each attempt it
 * asks `token` for a fresh token, trades it for a fresh ticket and resumes with `since` = the
 * last seq it saw, so the room replays what was missed (or answers with a resync snapshot).
 */
export function connect(target: string, options: ConnectOptions): LiveConnection {
  const state: LiveState = { count: null, viewers: null, seq: null, countSeq: null, mode: "full" };
  const pending = new Map<string, PendingWrite>();
  let status: LiveStatus = "connecting";
  let lastFrameAt = Date.now();
  let refusedInARow = 0;
  /** Whether the last hello named a user: a signed-in socket refused a write has outlived its token. */
  let signedIn = false;
  let lastRefusalCode = 0;
  /** Aborts a ticket request or a Retry-After wait when the connection is closed for good. */
  const lifetime = new AbortController();

  const setStatus = (next: LiveStatus) => {
    if (status === next) return;
    status = next;
    options.onStatus?.(next);
  };

  const nextTicket = ticketSource({
    baseUrl: options.baseUrl,
    target,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    minDelayMs: options.minReconnectDelayMs ?? 250,
    maxDelayMs: options.maxReconnectDelayMs ?? 10_000,
    ...(options.onTicketRetry === undefined ? {} : { onRetry: options.onTicketRetry }),
  });

  /** Stops reconnecting until `reconnect()`: asking again would only be refused again. */
  const refuse = (code: string, message: string) => {
    setStatus("refused");
    socket.close(1000, "sign-in refused");
    rejectPending(new LiveRequestError(code, message));
    options.onError?.({ code, message });
  };

  const urlProvider = async () => {
    // partysocket may already have scheduled this attempt when the refusal came in.
    if (status === "refused") throw new Error("sign-in refused; waiting for reconnect()");
    try {
      const ticket = await nextTicket(lifetime.signal);
      return liveUrl(options.baseUrl, target, { ...(ticket === null ? {} : { ticket }), ...(state.seq === null ? {} : { since: state.seq }) });
    } catch (error) {
      // A rejection makes partysocket count a failed attempt; after close() it stops there.
      if (error instanceof TicketRefusedError) refuse(error.code, error.message);
      throw error;
    }
  };

  const socket = new ReconnectingWebSocket(urlProvider, undefined, {
    ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
    minReconnectionDelay: options.minReconnectDelayMs ?? 250,
    maxReconnectionDelay: options.maxReconnectDelayMs ?? 10_000,
    // Frames written while offline are resent from `pending` on open, not from a second queue.
    maxEnqueuedMessages: 0,
    // Decided here, before partysocket schedules the next attempt (its close event comes after).
    shouldReconnectOnClose: (event) => {
      // The server speaks another protocol version: every retry would be refused the same way.
      // Its `incompatible` frame came first; the close code alone still stops a retry loop.
      if (event.code === CLOSE_CODES.incompatible) return false;
      // Another target or another Origin than the ticket's, or a page's origin the Worker does
      // not allow (CORS_ORIGINS): a fresh ticket would say the same.
      if (event.code === CLOSE_CODES.ticketForbidden) refusedInARow = MAX_REFUSED_TICKETS_IN_A_ROW;
      else if (TICKET_REFUSALS.has(event.code)) refusedInARow++;
      else return true;
      lastRefusalCode = event.code;
      return refusedInARow < MAX_REFUSED_TICKETS_IN_A_ROW;
    },
  });

  const sendNow = (frame: ClientFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(encodeFrameText(frame));
  };

  const apply = (frame: ServerFrame) => {
    switch (frame.type) {
      case "hello":
        refusedInARow = 0;
        signedIn = frame.user !== null;
        state.count = frame.count;
        state.viewers = frame.viewers;
        state.seq = frame.seq;
        state.countSeq = frame.seq;
        state.mode = "full";
        options.onHello?.(frame);
        options.onCount?.(frame.count, frame.seq);
        options.onViewers?.(frame.viewers);
        return;
      case "count":
        // A room that woke from hibernation may repeat a count; a seq we have adds nothing.
        if (state.countSeq !== null && frame.seq <= state.countSeq) return;
        state.count = frame.count;
        state.countSeq = frame.seq;
        // The room sends every event before the count that follows it, so in full mode this
        // client has seen everything up to this seq; in counts-only mode it has not.
        if (state.mode === "full" && (state.seq === null || frame.seq > state.seq)) state.seq = frame.seq;
        options.onCount?.(frame.count, frame.seq);
        return;
      case "viewers":
        state.viewers = frame.viewers;
        options.onViewers?.(frame.viewers);
        return;
      case "event":
        if (!frame.replay && state.seq !== null && frame.seq > state.seq) state.seq = frame.seq;
        options.onEvent?.(frame);
        return;
      case "ack":
      case "error": {
        const request = frame.id === undefined ? undefined : pending.get(frame.id);
        if (request === undefined) {
          if (frame.type === "error") options.onError?.(frame.error);
          return;
        }
        pending.delete(frame.id ?? "");
        clearTimeout(request.timer);
        if (frame.type === "ack") request.resolve(frame);
        else request.reject(new LiveRequestError(frame.error.code, frame.error.message, frame.error.retryAfterSeconds));
        // The socket's write rights ended with the token it was minted with: sign in again
        // (fresh token, fresh ticket) so the next write passes. This one is not resent.
        if (frame.type === "error" && frame.error.code === "unauthorized" && signedIn) {
          signedIn = false;
          socket.reconnect(1000, "token expired");
        }
        return;
      }
      case "mode": {
        const caughtUp = state.mode === "counts-only" && frame.mode === "full";
        state.mode = frame.mode;
        options.onMode?.(frame.mode);
        // Events skipped while counts-only are fetched the way any gap is: resume with since.
        if (caughtUp) socket.reconnect(1000, "resume events after counts-only");
        return;
      }
      case "incompatible":
        setStatus("incompatible");
        shutdown(new LiveRequestError("incompatible", frame.message));
        return;
      case "pong":
        return;
      case "mark":
        // Answered at once: proof that this client read everything up to here (flow control).
        sendNow({ type: "seen", mark: frame.mark });
        return;
      default: {
        const unknownFrame: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unknownFrame)}`);
      }
    }
  };

  socket.addEventListener("message", (event: MessageEvent) => {
    lastFrameAt = Date.now();
    const frame = readServerFrame(event.data);
    if (frame !== null) apply(frame);
  });

  socket.addEventListener("open", () => {
    lastFrameAt = Date.now();
    setStatus("open");
    // Every write is safe to resend: like/unlike/react set a state, and a comment's frame id
    // is its idempotency key, so the room posts it once.
    for (const request of pending.values()) sendNow(request.frame);
  });

  socket.addEventListener("close", (event: { code: number; reason: string }) => {
    if (status === "incompatible" || status === "closed" || status === "refused") return;
    if (event.code === CLOSE_CODES.incompatible) {
      setStatus("incompatible");
      shutdown(new LiveRequestError("incompatible", event.reason || "the server speaks another protocol version"));
      return;
    }
    if (refusedInARow >= MAX_REFUSED_TICKETS_IN_A_ROW) {
      // Each refusal also came with the server's own error frame (onError saw its code).
      const forbidden = lastRefusalCode === CLOSE_CODES.ticketForbidden;
      refuse(forbidden ? "forbidden" : "unauthorized", `the server refused this socket's ticket (${event.code} ${event.reason}); stopped reconnecting`);
      return;
    }
    setStatus("reconnecting");
  });

  const pingInterval = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const heartbeat = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    if (Date.now() - lastFrameAt > pingInterval + HEARTBEAT_TIMEOUT_MS) {
      socket.reconnect();
      return;
    }
    // Sent as the exact text the runtime's auto-response matches, so it never wakes the room.
    if (socket.readyState === socket.OPEN) socket.send(PING_FRAME);
  }, pingInterval);

  function rejectPending(reason: Error) {
    for (const request of pending.values()) {
      clearTimeout(request.timer);
      request.reject(reason);
    }
    pending.clear();
  }

  function shutdown(reason: Error) {
    clearInterval(heartbeat);
    lifetime.abort(reason);
    socket.close(1000, "client closed");
    rejectPending(reason);
  }

  /**
   * Request ids are random, not counters: a comment's id is its idempotency key for a day,
   * so an id reused by the next page load would answer with an old comment.
   */
  const write = <T>(frame: ClientFrame & { id: string }, pick: (ack: AckFrame) => T | undefined) =>
    new Promise<T>((resolve, reject) => {
      if (status === "closed" || status === "incompatible") {
        reject(new LiveRequestError("closed", "connection is closed"));
        return;
      }
      if (status === "refused") {
        reject(new LiveRequestError("unauthorized", "the sign-in was refused: reconnect with a new token"));
        return;
      }
      const { id } = frame;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new LiveRequestError("timeout", `no answer to ${frame.type} within the request timeout`));
      }, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
      const accept = (ack: AckFrame) => {
        const value = pick(ack);
        if (value === undefined) reject(new LiveRequestError("invalid_response", `ack to ${frame.type} without its result`));
        else resolve(value);
      };
      pending.set(id, { frame, resolve: accept, reject, timer });
      sendNow(frame);
    });
  const requestId = () => crypto.randomUUID();

  return {
    like: () => write({ type: "like", id: requestId() }, (ack) => ack.result),
    unlike: () => write({ type: "unlike", id: requestId() }, (ack) => ack.result),
    comment: (text, replyTo) =>
      write({ type: "comment", id: requestId(), text, ...(replyTo === undefined ? {} : { replyTo }) }, (ack) => ack.comment),
    react: (emoji, action, commentId) =>
      write({ type: "react", id: requestId(), emoji, action, ...(commentId === undefined ? {} : { commentId }) }, (ack) => ack.reaction),
    get state() {
      return state;
    },
    get status() {
      return status;
    },
    reconnect() {
      if (status === "closed" || status === "incompatible") return;
      if (status === "refused") {
        refusedInARow = 0;
        setStatus("reconnecting");
      }
      socket.reconnect(1000, "client reconnect");
    },
    close() {
      setStatus("closed");
      shutdown(new LiveRequestError("closed", "connection closed by the client"));
    },
  };
}
