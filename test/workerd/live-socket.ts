import { ServerFrame } from "../../protocol/live";
import { LiveTicket } from "../../protocol/live-tickets";
import { call } from "./helpers";

/** Trades a bearer token for a live ticket; `origin` is sent as the Origin header when given. */
export async function mintTicket(target: string, token: string, origin?: string): Promise<string> {
  const res = await call("/v1/live/tickets", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...(origin === undefined ? {} : { origin }) },
    body: JSON.stringify({ target }),
  });
  if (res.status !== 201) throw new Error(`ticket refused: ${res.status} ${await res.text()}`);
  return LiveTicket.parse(await res.json()).ticket;
}

/**
 * Text as a client that follows the protocol puts it on the wire: a lone surrogate cannot be
 * sent (a WebSocket sends U+FFFD for it), and U+FFFD itself travels escaped, because the room
 * takes a raw one for invalid UTF-8 and closes with 1007.
 */
export function wireSafe(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/g, "\\ufffd");
}

type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/**
 * A real WebSocket to the running worker (through SELF), recording every frame it receives
 * after parsing it with the protocol's own schema, so a malformed server frame fails the test.
 */
export class LiveSocket {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        resolve({ code: event.code, reason: event.reason });
        this.wake();
      });
    });
    ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string") throw new Error("server sent a binary frame");
      this.frames.push(ServerFrame.parse(JSON.parse(event.data)));
      this.wake();
    });
  }

  /**
   * Opens a socket as a viewer, or signed in when `token` is given: the token is traded for a
   * ticket (POST /v1/live/tickets) as a client does, and only the ticket goes in the URL.
   */
  static async open(target: string, query: { token?: string } & Record<string, string | number> = {}): Promise<LiveSocket> {
    const { token, ...rest } = query;
    const ticket = token === undefined ? undefined : await mintTicket(target, String(token));
    return LiveSocket.openRaw(target, { ...rest, ...(ticket === undefined ? {} : { ticket }) });
  }

  /** Opens a socket with exactly this query and these headers (for tests of the sign-in itself). */
  static async openRaw(target: string, query: Record<string, string | number> = {}, headers: Record<string, string> = {}): Promise<LiveSocket> {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    const suffix = params.size > 0 ? `?${params}` : "";
    const res = await call(`/v1/targets/${encodeURIComponent(target)}/live${suffix}`, { headers: { ...headers, Upgrade: "websocket" } });
    const ws = res.webSocket;
    if (res.status !== 101 || ws === null) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
    ws.accept();
    return new LiveSocket(ws);
  }

  /** Objects go out as the SDK sends them (protocol/live.ts encodeClientFrame); text as given. */
  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : wireSafe(JSON.stringify(frame)));
  }

  /** Proves reading up to the newest `mark` received, as the SDK does for every mark. */
  seenLatest(): void {
    const mark = this.of("mark").at(-1);
    if (mark === undefined) throw new Error("no mark received yet");
    this.send({ type: "seen", mark: mark.mark });
  }

  of<T extends ServerFrame["type"]>(type: T): FrameOf<T>[] {
    return this.frames.filter((frame): frame is FrameOf<T> => frame.type === type);
  }

  /** Resolves with the first frame (from the start of the recording) that matches. */
  async next<T extends ServerFrame["type"]>(
    type: T,
    matches: (frame: FrameOf<T>) => boolean = () => true,
    timeoutMs = 3_000,
  ): Promise<FrameOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(type).find(matches);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `ms` to pass, for assertions that something did NOT arrive. */
  async quiet(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  close(code = 1000): void {
    this.ws.close(code, "test done");
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/**
 * Waits for `socket` to be switched to counts-only, calling `broadcast` (something that makes the
 * room send to every socket, such as a like) while it is not. The room switches a socket at a
 * broadcast once it has been behind for SLOW_AFTER_MS (durable-objects/send-window.ts); a room
 * that hibernated in between restarts that clock when it wakes, so the broadcast a test expects
 * to switch the socket may come too early (seen in CI: a fresh mark right after the wake-up, then
 * the viewer count sent in full). A live room keeps broadcasting; so does this.
 */
export async function untilSwitched(socket: LiveSocket, broadcast: () => Promise<unknown>, timeoutMs: number): Promise<FrameOf<"mode">> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await socket.next("mode", (frame) => frame.mode === "counts-only", 1_000);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await broadcast();
    }
  }
}

/** The frames `socket` received after `frame` (one it received). */
export function framesAfter(socket: LiveSocket, frame: ServerFrame): ServerFrame[] {
  const at = socket.frames.indexOf(frame);
  if (at < 0) throw new Error("that frame was not received by this socket");
  return socket.frames.slice(at + 1);
}
