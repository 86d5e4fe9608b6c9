import { LikeStatusResponse, ShellEvent, type ShellAck as AckFrame, type ShellHello as HelloFrame, type ShellFrame as ServerFrame } from "../../protocol/mini/shell-frame";
import { onConfigure } from "./config";
import { LiveSocket, type SocketStatus } from "./socket";

/**
 * Everything a page knows live about one target, shared by every element of that target:
 * ONE socket per (API, target) per page, however many like buttons, viewer counts and reaction
 * bars show it. Opened by the first element that needs it, closed shortly after the last one
 * leaves (a re-render that moves an element does not reconnect). <engage-count> never opens
 * one: it only reads a hub that is already there (counts.ts).
 */
export interface HubState {
  count: number | null;
  viewers: number | null;
  /** The signed-in user the room saw, null for a read-only viewer. */
  user: string | null;
  /** Null until known (a read-only viewer never knows). */
  liked: boolean | null;
  reactions: Record<string, number>;
  /** Reactions this viewer holds: from the hello (`mine`) and this page's own writes since. */
  mine: Set<string>;
  /** The reactions the room accepts, from its settings. */
  allowed: string[];
  status: SocketStatus;
  /** The last hello, for a comment section that joins a hub already open. */
  hello?: HelloFrame;
}

/** A write the server refused (its error code), or "sign_in" when there is no signed-in user. */
export class WriteError extends Error {
  constructor(
    readonly code: string,
    message = code,
    /** Seconds until the same write would pass (rate_limited, slow_mode). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

interface Pending {
  frame: { type: string; id: string };
  resolve(ack: AckFrame): void;
  reject(error: WriteError): void;
  /** Runs from the moment the frame went out: a write made offline waits for the connection, not a clock. */
  timer?: ReturnType<typeof setTimeout>;
}

const WRITE_TIMEOUT_MS = 10_000;
/** An element moved in the DOM disconnects and reconnects at once: keep the socket that long. */
const CLOSE_GRACE_MS = 1_000;

const hubs = new Map<string, Hub>();
/** Count changes of every hub, for <engage-count> elements of the same target. */
const countWatchers = new Set<(base: string, target: string, count: number) => void>();

export class Hub {
  readonly state: HubState = { count: null, viewers: null, user: null, liked: null, reactions: {}, mine: new Set(), allowed: [], status: "connecting" };
  private readonly listeners = new Set<() => void>();
  /** Every frame, after the hub's own state took it: the comment section and the live page render more of the room than the small elements do. */
  private readonly frameListeners = new Set<(frame: ServerFrame) => void>();
  private readonly pending = new Map<string, Pending>();
  private readonly socket: LiveSocket;
  private readonly unconfigure: () => void;
  private closer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly base: string,
    readonly target: string,
  ) {
    this.socket = new LiveSocket(base, target, {
      frame: (frame) => this.apply(frame),
      status: (status) => {
        this.state.status = status;
        if (status === "refused") this.fail("refused");
        this.changed();
      },
    });
    // A new token (the visitor signed in or out): sign the socket in again.
    this.unconfigure = onConfigure(() => this.socket.reconnect());
  }

  subscribe(listener: () => void): () => void {
    clearTimeout(this.closer);
    this.listeners.add(listener);
    listener();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.closer = setTimeout(() => this.close(), CLOSE_GRACE_MS);
    };
  }

  /** Every frame on this target's one socket, once the hub's own state has taken it. */
  onFrame(listener: (frame: ServerFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** A new attempt now, with a fresh token. */
  reconnect(): void {
    this.socket.reconnect();
  }

  /** Likes or unlikes; resolves once the room answered (the count arrives as a frame too). */
  async like(liked: boolean): Promise<AckFrame["result"]> {
    if (this.state.user === null) throw new WriteError("sign_in");
    const ack = await this.write(liked ? "like" : "unlike", {});
    if (ack.result) this.state.liked = ack.result.liked;
    this.changed();
    return ack.result;
  }

  async react(emoji: string, add: boolean): Promise<void> {
    if (this.state.user === null) throw new WriteError("sign_in");
    const ack = await this.write("react", { emoji, action: add ? "add" : "remove" });
    if (ack.reaction) {
      if (ack.reaction.reacted) this.state.mine.add(emoji);
      else this.state.mine.delete(emoji);
      this.state.reactions[emoji] = ack.reaction.count;
    }
    this.changed();
  }

  /**
   * Sends a write frame; resolves with the room's ack, rejects with its error (WriteError).
   * `fields.id` (a retry's) replaces the fresh one, so the room answers it once.
   */
  write(type: string, fields: object): Promise<AckFrame> {
    const frame = { type, id: crypto.randomUUID(), ...fields };
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        frame,
        resolve: (ack) => (this.settle(pending), resolve(ack)),
        reject: (error) => (this.settle(pending), reject(error)),
      };
      this.pending.set(frame.id, pending);
      // Offline: it goes out after the next hello (same id, so the room answers it once).
      this.send(pending);
    });
  }

  private send(pending: Pending): void {
    if (!this.socket.send(pending.frame)) return;
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => pending.reject(new WriteError("timeout")), WRITE_TIMEOUT_MS);
  }

  private settle(pending: Pending): void {
    clearTimeout(pending.timer);
    this.pending.delete(pending.frame.id);
  }

  private apply(frame: ServerFrame): void {
    const state = this.state;
    switch (frame.type) {
      case "hello": {
        state.hello = frame;
        const user = frame.user?.id ?? null;
        if (user !== state.user) {
          state.liked = null;
          state.mine = new Set();
        }
        // Absent for a read-only viewer (and from an older server): this page's own writes are all it knows.
        if (frame.mine !== undefined) state.mine = new Set(frame.mine);
        state.user = user;
        state.count = frame.count;
        state.viewers = frame.viewers;
        state.reactions = { ...frame.reactions };
        state.allowed = frame.settings.reactions;
        // Writes made before a drop go out again, under their ids, if the socket is still signed in.
        for (const pending of [...this.pending.values()]) {
          if (user === null) pending.reject(new WriteError("sign_in"));
          else this.send(pending);
        }
        if (user !== null) void this.readLiked(user);
        break;
      }
      case "count":
        state.count = frame.count;
        break;
      case "viewers":
        state.viewers = frame.viewers;
        break;
      case "event": {
        // Only the kinds the shell shows; a section reads the rest (protocol/mini/shell-frame.ts).
        const read = ShellEvent.safeParse(frame.event);
        if (!read.success) break;
        const event = read.data;
        if (event.kind === "like" || event.kind === "unlike") state.count = event.count;
        else if (event.kind === "reaction" && event.commentId === null) state.reactions[event.emoji] = event.count;
        else if (event.kind === "settings") state.allowed = event.settings.reactions;
        break;
      }
      case "ack":
        this.pending.get(frame.id)?.resolve(frame);
        break;
      case "error":
        if (frame.id !== undefined) this.pending.get(frame.id)?.reject(new WriteError(frame.error.code, frame.error.message, frame.error.retryAfterSeconds));
        break;
      default:
        for (const listener of this.frameListeners) listener(frame);
        return;
    }
    for (const listener of this.frameListeners) listener(frame);
    this.changed();
  }

  /** The room's answer, not a guess: whether this user likes the target (a plain GET, no preflight). */
  private async readLiked(user: string): Promise<void> {
    try {
      const res = await fetch(`${this.base}/v1/users/${encodeURIComponent(user)}/likes/${encodeURIComponent(this.target)}`);
      const status = LikeStatusResponse.safeParse(await res.json());
      if (status.success && this.state.user === user && this.state.liked === null) {
        this.state.liked = status.data.liked;
        this.changed();
      }
    } catch {
      // Unknown stays unknown: the button still works, the first click tells.
    }
  }

  private fail(code: string): void {
    for (const pending of [...this.pending.values()]) pending.reject(new WriteError(code));
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
    if (this.state.count !== null) for (const watch of countWatchers) watch(this.base, this.target, this.state.count);
  }

  private close(): void {
    hubs.delete(`${this.base} ${this.target}`);
    this.unconfigure();
    this.socket.close();
    this.fail("closed");
  }
}

/** The page's hub for this target, opened if there is none. */
export function hubFor(base: string, target: string): Hub {
  const key = `${base} ${target}`;
  let hub = hubs.get(key);
  if (hub === undefined) {
    hub = new Hub(base, target);
    hubs.set(key, hub);
  }
  return hub;
}

/** The hub's count if the page already holds a live connection for this target; never opens one. */
export function liveCount(base: string, target: string): number | null {
  const hub = hubs.get(`${base} ${target}`);
  return hub?.state.status === "open" ? hub.state.count : null;
}

export function watchCounts(watch: (base: string, target: string, count: number) => void): void {
  countWatchers.add(watch);
}
