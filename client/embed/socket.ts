import { CLOSE_CODES, PING_FRAME, PROTOCOL_VERSION } from "../../protocol/wire-constants";
import { ErrorBody, LiveTicket, ShellFrame as ServerFrame } from "../../protocol/mini/shell-frame";
import { currentToken } from "./config";

/**
 * One live socket to one target, reconnecting with backoff. Each attempt reads the token
 * fresh and trades it for a single-use ticket (`POST /v1/live/tickets`); the URL carries the
 * ticket, never the token. It resumes with `since` = the last event seq, so the room replays
 * what was missed. Smaller than client/live.ts on purpose (no partysocket, no classic zod):
 * the embed's budget is 15 KB for a like button and counts (docs/embed.md).
 */
export type SocketStatus = "connecting" | "open" | "offline" | "refused";

export interface SocketEvents {
  frame(frame: ServerFrame): void;
  status(status: SocketStatus): void;
}

const PING_INTERVAL_MS = 25_000;
/** No frame (not even a pong) for this long: the link is dead, whatever the socket says. */
const SILENCE_MS = PING_INTERVAL_MS + 10_000;
const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;
/** Refusals of fresh tickets in a row before we stop (see client/live.ts for the same rule). */
const MAX_REFUSALS = 3;
const RETRY_TICKET: ReadonlySet<number> = new Set([CLOSE_CODES.ticketInvalid, CLOSE_CODES.ticketExpired, CLOSE_CODES.ticketUsed]);

class Refused extends Error {}

async function ticket(base: string, target: string, token: string): Promise<string> {
  const res = await fetch(`${base}/v1/live/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ target }),
  });
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return LiveTicket.parse(body).ticket;
  // 408, 429 and 5xx pass; any other 4xx is an answer a retry would get again.
  if (res.status !== 408 && res.status !== 429 && res.status < 500) throw new Refused(ErrorBody.safeParse(body).data?.error.message ?? `HTTP ${res.status}`);
  throw new Error(`HTTP ${res.status}`);
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private seq: number | null = null;
  private attempt = 0;
  private refusals = 0;
  private lastFrameAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  /** Bumped by every attempt: an attempt still waiting for its ticket when a newer one starts gives up. */
  private generation = 0;
  private readonly online = () => this.reconnect();
  /** The browser knows the network is gone before a socket would notice (no close for a minute or more). */
  private readonly offline = () => {
    if (this.stopped) return;
    this.drop();
    this.later();
  };

  constructor(
    private readonly base: string,
    private readonly target: string,
    private readonly on: SocketEvents,
  ) {
    addEventListener("online", this.online);
    addEventListener("offline", this.offline);
    void this.connect();
  }

  /** Sends now if open; false when offline (the caller keeps the frame for the next hello). */
  send(frame: object): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** A new attempt right away, with a fresh token (after a sign-in, or when the network came back). */
  reconnect(): void {
    if (this.stopped) return;
    this.attempt = 0;
    this.refusals = 0;
    this.drop();
    void this.connect();
  }

  close(): void {
    this.stopped = true;
    removeEventListener("online", this.online);
    removeEventListener("offline", this.offline);
    this.drop();
  }

  private drop(): void {
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
  }

  private later(): void {
    if (this.stopped) return;
    this.on.status("offline");
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 1.5 ** this.attempt++) * (0.8 + Math.random() * 0.4);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.on.status("connecting");
    const url = new URL(`/v1/targets/${encodeURIComponent(this.target)}/live`, this.base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("v", String(PROTOCOL_VERSION));
    try {
      const token = await currentToken();
      if (token !== null) url.searchParams.set("ticket", await ticket(this.base, this.target, token));
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof Refused) this.on.status("refused");
      else this.later();
      return;
    }
    if (this.stopped || generation !== this.generation) return;
    if (this.seq !== null) url.searchParams.set("since", String(this.seq));
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.lastFrameAt = Date.now();
      this.heartbeat = setInterval(() => {
        if (Date.now() - this.lastFrameAt > SILENCE_MS) ws.close(4000);
        else ws.send(PING_FRAME);
      }, PING_INTERVAL_MS);
    };
    ws.onmessage = (message) => this.read(message.data);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      clearInterval(this.heartbeat);
      this.ws = null;
      if (event.code === CLOSE_CODES.incompatible || event.code === CLOSE_CODES.ticketForbidden || this.refusals >= MAX_REFUSALS) {
        this.on.status("refused");
        return;
      }
      if (RETRY_TICKET.has(event.code)) this.refusals++;
      this.later();
    };
  }

  private read(data: unknown): void {
    this.lastFrameAt = Date.now();
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return;
    }
    const parsed = ServerFrame.safeParse(json);
    // A frame this version does not know (the protocol grows additively): ignored, not fatal.
    if (!parsed.success) return;
    const frame = parsed.data;
    if (frame.type === "hello") {
      this.seq = frame.seq;
      this.attempt = 0;
      this.refusals = 0;
      this.on.status("open");
    } else if (frame.type === "event") this.seq = Math.max(this.seq ?? 0, frame.seq);
    else if (frame.type === "mark") this.send({ type: "seen", mark: frame.mark });
    // The room says "full" only to switch a socket back from counts-only (docs/realtime.md): the
    // events it skipped meanwhile come the way any gap's do, a resume with since (as
    // client/live.ts does). Without it, a comment posted meanwhile never showed.
    else if (frame.type === "mode" && frame.mode === "full") this.reconnect();
    this.on.frame(frame);
  }
}
