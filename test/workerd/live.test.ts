import { DEFAULT_ROOM_SETTINGS } from "../../protocol/moderation";
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PING_FRAME, PROTOCOL_VERSION } from "../../protocol/live";
import { LIVE_IDENTITY_HEADER } from "../../protocol/internal/room-rpc";
import { call, like, tokenFor, uniqueTarget, uniqueUser, likeMany } from "./helpers";
import { framesAfter, LiveSocket, untilSwitched } from "./live-socket";

function room(target: string) {
  return env.TARGET_ROOM.get(env.TARGET_ROOM.idFromName(target));
}

describe("live socket snapshot and counts", () => {
  it("greets a new viewer with a hello snapshot of count, viewers and seq", async () => {
    const target = uniqueTarget();
    await like(target, uniqueUser());
    await like(target, uniqueUser());
    const socket = await LiveSocket.open(target);
    const hello = await socket.next("hello");
    expect(hello).toEqual({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      target,
      count: 2,
      viewers: 1,
      seq: 2,
      resync: false,
      replay: 0,
      user: null,
      comments: 0,
      reactions: {},
      pinned: null,
      settings: DEFAULT_ROOM_SETTINGS,
    });
    socket.close();
  });

  it("pushes the new count to viewers after a REST like", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    await like(target, uniqueUser());
    expect(await socket.next("count")).toEqual({ type: "count", count: 1, seq: 1 });
    socket.close();
  });

  it("acks a like sent over the socket and pushes the count to other viewers", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const writer = await LiveSocket.open(target, { token: await tokenFor(user) });
    const viewer = await LiveSocket.open(target);
    expect((await writer.next("hello")).user).toEqual({ id: user });
    await viewer.next("hello");

    writer.send({ type: "like", id: "req-1" });
    expect(await writer.next("ack")).toEqual({ type: "ack", id: "req-1", result: { liked: true, count: 1, changed: true, seq: 1 } });
    expect(await viewer.next("count", (f) => f.seq === 1)).toEqual({ type: "count", count: 1, seq: 1 });

    writer.send({ type: "unlike", id: "req-2" });
    expect(await writer.next("ack", (f) => f.id === "req-2")).toMatchObject({ result: { liked: false, count: 0, seq: 2 } });
    const status = await call(`/v1/users/${user}/likes/${encodeURIComponent(target)}`);
    expect(await status.json()).toEqual({ liked: false, likedAt: null });
    writer.close();
    viewer.close();
  });

  it("coalesces a burst of 100 likes into a few count frames whose last one is exact", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: 100 }, () => like(target, uniqueUser())));
    const burstMs = Date.now() - startedAt;
    await socket.next("count", (f) => f.count === 100, 2_000);
    await socket.quiet(300);

    const counts = socket.of("count");
    expect(counts.at(-1)).toEqual({ type: "count", count: 100, seq: 100 });
    // At most one frame per 100 ms of burst, plus the leading and the trailing one.
    expect(counts.length).toBeLessThanOrEqual(Math.ceil(burstMs / 100) + 2);
    expect(counts.length).toBeLessThan(20);
    const seqs = counts.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    socket.close();
  });

  it("keeps broadcasting to hibernated sockets after the room is evicted", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    await evictDurableObject(room(target));
    await like(target, uniqueUser());
    expect(await socket.next("count", (f) => f.seq === 1)).toEqual({ type: "count", count: 1, seq: 1 });
    socket.close();
  });
});

describe("live viewers", () => {
  it("sends the exact viewer count when a viewer joins and when one leaves", async () => {
    const target = uniqueTarget();
    const first = await LiveSocket.open(target);
    expect((await first.next("hello")).viewers).toBe(1);
    const second = await LiveSocket.open(target);
    expect((await second.next("hello")).viewers).toBe(2);
    await first.next("viewers", (f) => f.viewers === 2);

    second.close();
    await first.next("viewers", (f) => f.viewers === 1);
    const stats = await call(`/v1/targets/${encodeURIComponent(target)}/stats`);
    expect(await stats.json()).toMatchObject({ viewers: 1 });
    first.close();
  });

  it("completes the close handshake the client started", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    socket.close(1000);
    expect((await socket.closed).code).toBe(1000);
  });
});

describe("live replay", () => {
  it("replays the events a client missed while disconnected", async () => {
    const target = uniqueTarget();
    const [a, b, c] = [uniqueUser(), uniqueUser(), uniqueUser()];
    const first = await LiveSocket.open(target);
    await first.next("hello");
    await like(target, a);
    const lastSeen = (await first.next("count")).seq;
    first.close();
    await first.closed;

    await like(target, b);
    await like(target, c);
    await like(target, a, "unlike");

    const again = await LiveSocket.open(target, { since: lastSeen });
    expect(await again.next("hello")).toMatchObject({ count: 2, seq: 4, resync: false, replay: 3 });
    await again.next("event", (f) => f.seq === 4);
    expect(again.of("event")).toEqual([
      { type: "event", seq: 2, at: expect.any(Number), replay: true, event: { kind: "like", count: 2 } },
      { type: "event", seq: 3, at: expect.any(Number), replay: true, event: { kind: "like", count: 3 } },
      { type: "event", seq: 4, at: expect.any(Number), replay: true, event: { kind: "unlike", count: 2 } },
    ]);
    again.close();
  });

  it("sends nothing to replay when the client is up to date", async () => {
    const target = uniqueTarget();
    await like(target, uniqueUser());
    const socket = await LiveSocket.open(target, { since: 1 });
    expect(await socket.next("hello")).toMatchObject({ seq: 1, resync: false, replay: 0 });
    await socket.quiet(100);
    expect(socket.of("event")).toEqual([]);
    socket.close();
  });

  it("answers with a resync snapshot when since is older than the ring keeps", async () => {
    const target = uniqueTarget();
    // Five likes per commit: the ring drops whole commits, so the oldest ones can go.
    await likeMany(target, 1_005, 5);
    // Stand in for ten minutes passing: the ring keeps old events only while they are young.
    await runInDurableObject(room(target), (_instance, state) => {
      state.storage.sql.exec("UPDATE live_events SET at = at - 11 * 60 * 1000");
    });
    await like(target, uniqueUser());

    const tooOld = await LiveSocket.open(target, { since: 3 });
    expect(await tooOld.next("hello")).toMatchObject({ count: 1_006, seq: 1_006, resync: true, replay: 0 });
    const recent = await LiveSocket.open(target, { since: 1_000 });
    expect(await recent.next("hello")).toMatchObject({ seq: 1_006, resync: false, replay: 6 });
    await recent.next("event", (f) => f.seq === 1_006);
    expect(recent.of("event").map((f) => f.seq)).toEqual([1_001, 1_002, 1_003, 1_004, 1_005, 1_006]);
    tooOld.close();
    recent.close();
  });

  it("answers with a resync snapshot when since is ahead of the room", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target, { since: 50 });
    expect(await socket.next("hello")).toMatchObject({ seq: 0, count: 0, resync: true, replay: 0 });
    socket.close();
  });
});

describe("live auth and frame hygiene", () => {
  it("refuses a like from a socket opened without a token", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    socket.send({ type: "like", id: "anon-1" });
    expect(await socket.next("error")).toMatchObject({ id: "anon-1", error: { code: "unauthorized" } });
    const count = await call(`/v1/targets/${encodeURIComponent(target)}/count`);
    expect(await count.json()).toMatchObject({ count: 0 });
    socket.close();
  });

  it("refuses socket writes once the token it connected with has expired", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target, { token: await tokenFor(uniqueUser(), { ttlSeconds: 1 }) });
    await socket.next("hello");
    await socket.quiet(2_100);
    socket.send({ type: "like", id: "late" });
    expect(await socket.next("error")).toMatchObject({ id: "late", error: { code: "unauthorized", message: expect.stringContaining("expired") } });
    socket.close();
  });

  it("refuses to sign a socket in when the token is invalid", async () => {
    const target = uniqueTarget();
    const forged = await tokenFor(uniqueUser(), { secret: "not-the-secret" });
    // The token is only ever shown to the ticket route, which refuses it.
    const res = await call("/v1/live/tickets", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${forged}` },
      body: JSON.stringify({ target }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("ignores an identity header the client wrote itself", async () => {
    const target = uniqueTarget();
    const res = await call(`/v1/targets/${encodeURIComponent(target)}/live`, {
      headers: { Upgrade: "websocket", [LIVE_IDENTITY_HEADER]: JSON.stringify({ userId: "mallory", exp: 9_999_999_999 }) },
    });
    const ws = res.webSocket;
    if (!ws) throw new Error("no socket");
    ws.accept();
    const frames: unknown[] = [];
    ws.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
    ws.send(JSON.stringify({ type: "like", id: "forged" }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(frames[0]).toMatchObject({ type: "hello", user: null });
    expect(frames).toContainEqual(expect.objectContaining({ type: "error", id: "forged" }));
    ws.close();
  });

  it("refuses a non-upgrade request and a bad target", async () => {
    expect((await call(`/v1/targets/${encodeURIComponent(uniqueTarget())}/live`)).status).toBe(426);
    const bad = await call(`/v1/targets/nope/live`, { headers: { Upgrade: "websocket" } });
    expect(bad.status).toBe(400);
  });

  it("answers invalid frames with an error and closes the socket after 20 within 10 s", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    socket.send("not json");
    expect(await socket.next("error")).toMatchObject({ error: { code: "invalid_json" } });
    socket.send({ type: "shout", id: "x" });
    expect(await socket.next("error", (f) => f.error.code === "invalid_request")).toBeDefined();
    for (let i = 0; i < 18; i++) socket.send({ type: "like" });
    expect(await socket.closed).toMatchObject({ code: 1008 });
    expect(socket.of("error")).toHaveLength(20);
  });

  it("refuses frames over 4 KB and keeps the socket open", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target, { token: await tokenFor(uniqueUser()) });
    await socket.next("hello");
    socket.send({ type: "like", id: "a", pad: "x".repeat(5_000) });
    expect(await socket.next("error")).toMatchObject({ error: { code: "payload_too_large" } });
    socket.send({ type: "like", id: "after" });
    expect(await socket.next("ack")).toMatchObject({ id: "after", result: { count: 1 } });
    socket.close();
  });

  it("answers pings through the runtime's auto-response", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    socket.send(PING_FRAME);
    await socket.next("pong");
    const answeredAt = await runInDurableObject(room(target), (_instance, state) =>
      state.getWebSockets().map((ws) => state.getWebSocketAutoResponseTimestamp(ws)),
    );
    expect(answeredAt).toHaveLength(1);
    expect(answeredAt[0]).toBeInstanceOf(Date);
    socket.close();
  });

  it("tells a client of another protocol version that it is incompatible", async () => {
    const socket = await LiveSocket.open(uniqueTarget(), { v: PROTOCOL_VERSION + 1 });
    expect(await socket.next("incompatible")).toMatchObject({ protocol: PROTOCOL_VERSION });
    expect((await socket.closed).code).toBe(4400);
  });
});

describe("live slow consumers", () => {
  // The 1,000 seeded likes also reach 1,000 users' objects through the queue consumer, which
  // shares this one local workerd with the room: frames can take seconds here.
  const SLOW = 15_000;
  it("switches a socket that reports no reading to counts-only frames, and back once it catches up", { timeout: 120_000 }, async () => {
    const target = uniqueTarget();
    await likeMany(target, 1_000);
    let likes = 1_000;
    const likeOnce = async () => {
      await like(target, uniqueUser());
      likes++;
    };
    // A replay of 1,000 events is far more than the window a client may leave unreported.
    const slow = await LiveSocket.open(target, { since: 0 });
    await slow.next("event", (f) => f.seq === 1_000, SLOW);
    await slow.quiet(2_100);

    // A second viewer makes the room broadcast, which switches the slow socket.
    const other = await LiveSocket.open(target);
    await other.next("hello", () => true, SLOW);
    const switched = await untilSwitched(slow, likeOnce, SLOW);
    expect(switched).toEqual({ type: "mode", mode: "counts-only" });
    // From then on it gets counts, and neither events nor viewer counts.
    await likeOnce();
    await slow.next("count", (f) => f.count === likes, SLOW);
    const third = await LiveSocket.open(target);
    await other.next("viewers", (f) => f.viewers === 3, SLOW);
    expect(framesAfter(slow, switched).filter((f) => f.type === "viewers" || f.type === "event")).toEqual([]);
    third.close();

    slow.seenLatest();
    const full = await slow.next("mode", (f) => f.mode === "full", SLOW);
    expect(full).toEqual({ type: "mode", mode: "full" });
    other.close();
    // Viewer counts again, once both others left (its first frames held a 1 too: look after the switch back).
    await slow.next("viewers", (f) => f.viewers === 1 && framesAfter(slow, full).includes(f), SLOW);
    slow.close();
  });
});
