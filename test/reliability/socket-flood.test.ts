import { sign } from "hono/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ServerFrame } from "../../protocol/live";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { signedInLiveUrl } from "./client";

/**
 * One client opens and drops 10,000 sockets on one room of a real `wrangler dev`, in waves
 * (wrangler dev holds a few thousand at once, and a test process may have a low open-files
 * limit), half closed politely and half cut off. Then the room must still work: a like is
 * acked and broadcast to a fresh socket, and the viewers count returns to the sockets open.
 */

const SECRET = "socket-flood-secret-for-the-local-dev-server-only";
const TOTAL_SOCKETS = Number(process.env.SOCKET_FLOOD_TOTAL ?? 10_000);
/** Sockets open at once: each costs a file descriptor here and in workerd. */
const WAVE = Number(process.env.SOCKET_FLOOD_WAVE ?? 500);
const OPEN_TIMEOUT_MS = 20_000;

async function tokenFor(userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + 3600 }, SECRET, "HS256");
}

/**
 * A socket that parses every frame with the protocol's schema and keeps them, or (for the
 * flood) only notes its hello: parsing every viewers frame of 500 sockets would make the
 * test measure its own zod calls.
 */
class Client {
  readonly frames: ServerFrame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  readonly greeted: Promise<void>;

  constructor(
    readonly ws: WebSocket,
    keepFrames: boolean,
  ) {
    let greet: () => void = () => {};
    this.greeted = new Promise((resolve) => (greet = resolve));
    this.opened = new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => ws.once("close", (code) => resolve(code)));
    ws.on("message", (data, isBinary) => {
      if (isBinary) throw new Error("server sent a binary frame");
      if (!keepFrames) {
        if (String(data).startsWith('{"type":"hello"')) greet();
        return;
      }
      const frame = ServerFrame.parse(JSON.parse(String(data)));
      if (frame.type === "hello") greet();
      this.frames.push(frame);
    });
  }

  static open(url: string, keepFrames = true): Client {
    return new Client(new WebSocket(url, { perMessageDeflate: false }), keepFrames);
  }

  async next<T extends ServerFrame["type"]>(type: T, matches: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find((frame): frame is Extract<ServerFrame, { type: T }> => frame.type === type && matches(frame as Extract<ServerFrame, { type: T }>));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching ${type} frame within ${timeoutMs} ms; last: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function eventually<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

describe("10,000 sockets opened and dropped by one client", () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ authSecret: SECRET });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("leaves the room serving likes and counting viewers exactly", { timeout: 300_000 }, async () => {
    const target = `stream:flood${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const liveUrl = `${server.url.replace("http", "ws")}/v1/targets/${target}/live`;
    const watcher = Client.open(liveUrl);
    await watcher.opened;
    await watcher.next("hello");

    let opened = 0;
    let failed = 0;
    for (let started = 0; started < TOTAL_SOCKETS; started += WAVE) {
      const waveStart = Date.now();
      const wave = Array.from({ length: Math.min(WAVE, TOTAL_SOCKETS - started) }, (_, i) => Client.open(i % 3 === 0 ? `${liveUrl}?since=0` : liveUrl, false));
      const results = await Promise.allSettled(
        wave.map(async (client) => {
          await Promise.race([client.opened, new Promise((_, reject) => setTimeout(() => reject(new Error("open timed out")), OPEN_TIMEOUT_MS))]);
          await Promise.race([client.greeted, new Promise((_, reject) => setTimeout(() => reject(new Error("no hello")), OPEN_TIMEOUT_MS))]);
        }),
      );
      const openedAt = Date.now();
      for (const result of results) {
        if (result.status === "fulfilled") opened++;
        else failed++;
      }
      // Drop them: half with a close handshake, half cut off without one.
      wave.forEach((client, i) => (i % 2 === 0 ? client.ws.close(1000, "bye") : client.ws.terminate()));
      await Promise.all(wave.map((client) => client.closed));
      if (process.env.SOCKET_FLOOD_DEBUG) console.log(`wave ${started}: opened in ${openedAt - waveStart} ms, closed in ${Date.now() - openedAt} ms`);
    }
    console.log(`RELIABILITY ${JSON.stringify({ kind: "load", suite: "socket flood: 10,000 opened and dropped", ops: opened + failed, errors: failed })}`);
    expect(opened + failed).toBe(TOTAL_SOCKETS);
    expect(failed).toBe(0);

    // The viewers count settles back to the sockets really open: the watcher alone.
    await eventually(() => watcher.frames.filter((f) => f.type === "viewers").at(-1), (frame) => frame?.type === "viewers" && frame.viewers === 1, 60_000, "viewers back to 1");

    // A fresh socket joins, likes, and everyone sees it.
    const fresh = Client.open(await signedInLiveUrl(server.url, await tokenFor("flood-survivor"), target));
    await fresh.opened;
    const hello = await fresh.next("hello");
    expect(hello.viewers).toBe(2);
    expect(hello.count).toBe(0);
    fresh.ws.send(JSON.stringify({ type: "like", id: "after-flood" }));
    const ack = await fresh.next("ack", (f) => f.id === "after-flood");
    expect(ack.result).toMatchObject({ liked: true, count: 1, changed: true });
    await watcher.next("count", (f) => f.count === 1);
    await fresh.next("count", (f) => f.count === 1);
    const stats = await eventually(
      async () => (await (await fetch(`${server.url}/v1/targets/${target}/stats`)).json()) as { likes: number; viewers: number },
      (body) => body.viewers === 2 && body.likes === 1,
      10_000,
      "stats after the flood",
    );
    expect(stats).toMatchObject({ likes: 1, viewers: 2 });
    fresh.ws.close(1000);
    watcher.ws.close(1000);
  });
});
