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
  type ServerFrame,
} from "../protocol/live";
import { LiveIdentity, type OpOutcome } from "../protocol/room-rpc";
import type { LiveChanges } from "./live-broadcaster";
import type { ReplayPlan } from "./replay-ring";
import { decodeClientFrame, InvalidFrameLimiter } from "./frame-guard";
import { SendWindows } from "./send-window";

/** What a socket carries through hibernation; parsed back on every wake-up, never cast. */
const SocketAttachment = z.object({
  user: LiveIdentity.nullable(),
});
type SocketAttachment = z.infer<typeof SocketAttachment>;

export interface RoomState {
  target: string;
  count: number;
  seq: number;
}

export interface RoomSocketsDeps {
  state(): RoomState;
  replay(since: number, currentSeq: number): ReplayPlan;
  /** Applies one like/unlike for a verified user, exactly as the REST route would. */
  write(userId: string, action: "like" | "unlike"): Promise<OpOutcome>;
  now?: () => number;
}

/**
 * The live sockets of one room, on the hibernation API: the runtime owns the sockets, the
 * identity rides in each socket's attachment, and everything kept here in memory (slow
 * consumer estimates, invalid-frame strikes) is safe to lose on eviction.
 */
export class RoomSockets {
  private readonly windows: SendWindows<WebSocket>;
  private readonly invalid: InvalidFrameLimiter<WebSocket>;
  private readonly attachments = new WeakMap<WebSocket, SocketAttachment>();
  private readonly now: () => number;
  /**
   * The open sockets, rebuilt from the runtime once per wake-up: a broadcast walks this set
   * instead of asking getWebSockets() (which builds a fresh array) on every flush.
   */
  private open: Set<WebSocket> | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly deps: RoomSocketsDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.windows = new SendWindows(this.now);
    this.invalid = new InvalidFrameLimiter(this.now);
  }

  /** Accepts an upgrade: the new socket gets its `hello`, then any replay, before anyone else's frame. */
  accept(user: LiveIdentity | null, since: number | undefined): Response {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    this.sockets().add(server);
    const attachment: SocketAttachment = { user };
    server.serializeAttachment(attachment);
    this.attachments.set(server, attachment);

    const state = this.deps.state();
    const plan = since === undefined ? { kind: "replay" as const, events: [] } : this.deps.replay(since, state.seq);
    const replay = plan.kind === "replay" ? plan.events : [];
    this.send(server, {
      type: "hello",
      protocol: PROTOCOL_VERSION,
      target: state.target,
      count: state.count,
      viewers: this.viewerCount(),
      seq: state.seq,
      resync: plan.kind === "resync",
      replay: replay.length,
      user: user === null ? null : { id: user.userId },
    } satisfies HelloFrame);
    for (const entry of replay) {
      this.send(server, { type: "event", seq: entry.seq, at: entry.at, replay: true, event: entry.event } satisfies EventFrame);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Exact number of open sockets; the close handler has already closed the leaving one. */
  viewerCount(): number {
    let open = 0;
    for (const ws of this.sockets()) {
      if (ws.readyState === WebSocket.READY_STATE_OPEN) open++;
      else this.sockets().delete(ws);
    }
    return open;
  }

  async onMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const decoded = decodeClientFrame(message);
    if (!decoded.ok) {
      const { code, message: text, details } = decoded;
      this.send(ws, { type: "error", error: details === undefined ? { code, message: text } : { code, message: text, details } });
      if (this.invalid.strike(ws)) this.closeSocket(ws, CLOSE_CODES.policyViolation, "too many invalid frames");
      return;
    }
    await this.handle(ws, decoded.frame);
  }

  /** Completes the close handshake; the caller re-broadcasts the viewer count. */
  onClose(ws: WebSocket, code: number): void {
    // 1005 and 1006 describe a missing or abnormal close and may not be sent back.
    this.closeSocket(ws, code === 1005 || code === 1006 ? CLOSE_CODES.normal : code, "closing");
    this.sockets().delete(ws);
  }

  /** Sends coalesced changes to every open socket; viewer frames skip counts-only sockets. */
  publish(changes: LiveChanges): void {
    const countText = changes.count === undefined ? null : JSON.stringify({ type: "count", ...changes.count } satisfies ServerFrame);
    const viewersText = changes.viewers === undefined ? null : JSON.stringify({ type: "viewers", viewers: changes.viewers } satisfies ServerFrame);
    for (const ws of this.sockets()) {
      if (ws.readyState !== WebSocket.READY_STATE_OPEN) {
        this.sockets().delete(ws);
        continue;
      }
      const verdict = this.windows.assess(ws);
      if (verdict.drop) {
        this.closeSocket(ws, CLOSE_CODES.tryAgainLater, "too far behind; reconnect with since");
        continue;
      }
      if (verdict.switched) this.send(ws, { type: "mode", mode: verdict.mode });
      if (countText !== null) this.sendText(ws, countText);
      if (viewersText !== null && verdict.mode === "full") this.sendText(ws, viewersText);
    }
  }

  private async handle(ws: WebSocket, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "ping":
        this.sendText(ws, PONG_FRAME);
        return;
      case "seen": {
        const mode = this.windows.seen(ws, frame.chars);
        if (mode !== null) this.send(ws, { type: "mode", mode });
        return;
      }
      case "like":
      case "unlike":
        await this.handleWrite(ws, frame.id, frame.type);
        return;
      default: {
        const unhandled: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unhandled)}`);
      }
    }
  }

  private async handleWrite(ws: WebSocket, id: string, action: "like" | "unlike"): Promise<void> {
    const user = this.attachmentOf(ws)?.user ?? null;
    if (user === null) {
      this.sendError(ws, id, "unauthorized", "connect with ?token= to like or unlike");
      return;
    }
    if (user.exp * 1000 <= this.now()) {
      this.sendError(ws, id, "unauthorized", "token expired; reconnect with a fresh token");
      return;
    }
    const outcome = await this.deps.write(user.userId, action);
    if (!outcome.ok) {
      this.sendError(ws, id, outcome.error.code, outcome.error.message);
      return;
    }
    const { liked, count, changed, seq } = outcome.result;
    this.send(ws, { type: "ack", id, result: { liked, count, changed, seq } } satisfies AckFrame);
  }

  private attachmentOf(ws: WebSocket): SocketAttachment | null {
    const cached = this.attachments.get(ws);
    if (cached) return cached;
    const parsed = SocketAttachment.safeParse(ws.deserializeAttachment());
    if (!parsed.success) return null;
    this.attachments.set(ws, parsed.data);
    return parsed.data;
  }

  private sendError(ws: WebSocket, id: string, code: string, message: string): void {
    this.send(ws, { type: "error", id, error: { code, message } } satisfies ErrorFrame);
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    this.sendText(ws, JSON.stringify(frame));
  }

  private sendText(ws: WebSocket, text: string): void {
    try {
      ws.send(text);
      this.windows.sent(ws, text.length);
    } catch {
      // The socket closed between the readyState check and the send; its close event follows.
    }
  }

  private sockets(): Set<WebSocket> {
    this.open ??= new Set(this.ctx.getWebSockets());
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
