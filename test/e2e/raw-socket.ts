import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * A WebSocket client written from RFC 6455 on a bare TCP socket, for what no WebSocket API
 * lets a test send: text frames holding invalid UTF-8 and close frames with codes no endpoint
 * may use. It reads only unfragmented, unmasked server frames with payloads under 64 KiB,
 * which is all the room sends to a fresh socket.
 */
export interface ServerFrameOnWire {
  opcode: number;
  payload: Buffer;
}

export class RawSocket {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly frames: ServerFrameOnWire[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.parse();
    });
    socket.on("close", () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Opens `path` on a loopback `http://` base URL and waits for the 101; `headers` go on the upgrade (an Origin). */
  static async open(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RawSocket> {
    const url = new URL(path, baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const key = randomBytes(16).toString("base64");
    socket.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join("") +
        "\r\n",
    );
    const head = await new Promise<{ status: string; rest: Buffer }>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        resolve({ status: received.subarray(0, received.indexOf("\r\n")).toString(), rest: received.subarray(end + 4) });
      };
      socket.on("data", onData);
      socket.once("error", reject);
    });
    if (!head.status.includes(" 101 ")) throw new Error(`upgrade refused: ${head.status}`);
    const raw = new RawSocket(socket);
    raw.buffered = head.rest;
    raw.parse();
    return raw;
  }

  /** Sends one masked frame, as a client must. */
  sendFrame(opcode: number, payload: Buffer): void {
    if (payload.length > 125) throw new Error("this client sends short frames only");
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]));
  }

  sendText(bytes: Buffer): void {
    this.sendFrame(0x1, bytes);
  }

  /** A close frame carrying exactly this code, valid or not. */
  sendClose(code: number): void {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.sendFrame(0x8, payload);
  }

  /** Text frames received so far. */
  texts(): string[] {
    return this.frames.filter((frame) => frame.opcode === 0x1).map((frame) => frame.payload.toString("utf8"));
  }

  /** Resolves with the server's close code (null: a close frame without one), or throws if none comes. */
  async closeCode(timeoutMs = 5_000): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const close = this.frames.find((frame) => frame.opcode === 0x8);
      if (close) return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null;
      if (this.ended) throw new Error("connection ended without a close frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no close frame within ${timeoutMs} ms; got ${JSON.stringify(this.texts())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until a text frame matches. */
  async text(matches: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.texts().find(matches);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.ended) throw new Error(`no matching text frame; got ${JSON.stringify(this.texts())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    while (this.buffered.length >= 2) {
      const opcode = this.buffered[0]! & 0x0f;
      let length = this.buffered[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffered.length < 4) return;
        length = this.buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        throw new Error("frame too large for this test client");
      }
      if (this.buffered.length < offset + length) return;
      this.frames.push({ opcode, payload: Buffer.from(this.buffered.subarray(offset, offset + length)) });
      this.buffered = this.buffered.subarray(offset + length);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
