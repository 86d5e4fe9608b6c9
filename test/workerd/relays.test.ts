import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PING_FRAME } from "../../protocol/live";
import { RelaysResponse } from "../../protocol/relays";
import { relayName } from "../../protocol/internal/relay-rpc";
import { call, like, tokenFor, uniqueTarget, uniqueUser, likeMany } from "./helpers";
import { comment } from "./comment-helpers";
import { framesAfter, LiveSocket, untilSwitched } from "./live-socket";
import { waitFor } from "./wait";

function room(target: string) {
  return env.TARGET_ROOM.get(env.TARGET_ROOM.idFromName(target));
}

function relay(target: string, k: number) {
  return env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, k)));
}

async function setRelays(target: string, threshold: number, perRelay: number): Promise<RelaysResponse> {
  const res = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
    body: JSON.stringify({ threshold, perRelay }),
  });
  if (res.status !== 200) throw new Error(`relay settings refused: ${res.status} ${await res.text()}`);
  return RelaysResponse.parse(await res.json());
}

async function relaysOf(target: string): Promise<RelaysResponse> {
  const res = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
    headers: { authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
  });
  return RelaysResponse.parse(await res.json());
}

/** Opens a socket and waits for its hello, so sockets join one after another in a known order. */
async function join(target: string, query: Record<string, string | number> = {}): Promise<LiveSocket> {
  const socket = await LiveSocket.open(target, query);
  await socket.next("hello");
  return socket;
}

describe("relay assignment", () => {
  it("refuses a first call addressed to another relay instead of binding to it", async () => {
    const target = uniqueTarget("stream");
    // Relay 0 was never called: its name, not its first caller, says which relay it is.
    await runInDurableObject(relay(target, 0), (object) =>
      expect(object.closeSocketsOf({ target, k: 1, userId: uniqueUser() })).rejects.toThrow(`relay ${relayName(target, 0)} was called as ${relayName(target, 1)}`),
    );
    await runInDurableObject(relay(target, 0), async (object) => expect(await object.closeSocketsOf({ target, k: 0, userId: uniqueUser() })).toBe(0));
  });

  it("keeps viewers up to the threshold in the room and fills relays up to perRelay, then opens another", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 2);
    const sockets = [];
    for (let i = 0; i < 5; i++) sockets.push(await join(target));

    const relays = await relaysOf(target);
    expect(relays).toMatchObject({ threshold: 1, perRelay: 2, overridden: true, roomSockets: 1 });
    expect(relays.relays).toEqual([
      { k: 0, sockets: 2 },
      { k: 1, sockets: 2 },
    ]);
    expect((await relay(target, 0).stats()).sockets).toBe(2);
    expect((await relay(target, 1).stats()).sockets).toBe(2);
    expect((await room(target).metrics(target)).sockets).toMatchObject({ open: 1, accepted: 1 });
    for (const socket of sockets) socket.close();
  });

  it("answers the defaults until an admin sets a target's own, and refuses bad settings and non-admins", async () => {
    const target = uniqueTarget("stream");
    expect(await relaysOf(target)).toMatchObject({ threshold: 2_000, perRelay: 2_000, overridden: false, relays: [] });
    const path = `/v1/admin/targets/${encodeURIComponent(target)}/relays`;
    const admin = await tokenFor(uniqueUser("admin"), { roles: ["admin"] });
    const put = (body: unknown, token = admin) =>
      call(path, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect((await put({ threshold: -1, perRelay: 10 })).status).toBe(400);
    expect((await put({ threshold: 1, perRelay: 0 })).status).toBe(400);
    expect((await put({ threshold: 1, perRelay: 10, extra: true })).status).toBe(400);
    expect((await put({ threshold: 1, perRelay: 10 }, await tokenFor(uniqueUser()))).status).toBe(403);
    expect((await call(path)).status).toBe(401);
    expect((await relaysOf(target)).overridden).toBe(false);
  });
});

describe("relay viewers", () => {
  it("counts viewers across the room and its relays on join and on leave", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 2);
    const inRoom = await join(target);
    const first = await join(target);
    const second = await join(target);
    expect(second.of("hello")[0]?.viewers).toBe(3);
    await inRoom.next("viewers", (f) => f.viewers === 3);
    await first.next("viewers", (f) => f.viewers === 3);

    first.close();
    await first.closed;
    await inRoom.next("viewers", (f) => f.viewers === 2);
    await second.next("viewers", (f) => f.viewers === 2);
    const stats = await call(`/v1/targets/${encodeURIComponent(target)}/stats`);
    expect(await stats.json()).toMatchObject({ viewers: 2 });

    inRoom.close();
    await second.next("viewers", (f) => f.viewers === 1);
    second.close();
  });
});

describe("relay delivery", () => {
  it("delivers every frame in order: comment events without gaps and the exact count after a burst of likes", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 2);
    const inRoom = await join(target);
    const onRelays = [await join(target), await join(target), await join(target)];
    expect((await relaysOf(target)).relays.map((r) => r.sockets)).toEqual([2, 1]);

    const likes = Array.from({ length: 60 }, () => like(target, uniqueUser()));
    const comments = Array.from({ length: 12 }, (_, i) => comment(target, uniqueUser("author"), `comment ${i}`));
    await Promise.all([...likes, ...comments]);
    const finalSeq = (await room(target).snapshot(target)).seq;
    expect(finalSeq).toBe(72);

    const expectedEvents = await waitFor(
      async () => inRoom.of("event").map((f) => f.seq),
      (seqs) => seqs.length === 12,
      5_000,
      "the room socket's 12 comment events",
    );
    for (const socket of [inRoom, ...onRelays]) {
      await socket.next("count", (f) => f.seq === finalSeq);
      await socket.next("event", (f) => f.seq === expectedEvents.at(-1));
      const seqs = socket.of("event").map((f) => f.seq);
      expect(seqs).toEqual(expectedEvents);
      expect(socket.of("event").every((f) => f.event.kind === "comment" && !f.replay)).toBe(true);
      const counts = socket.of("count");
      expect(counts.at(-1)).toEqual({ type: "count", count: 60, seq: finalSeq });
      expect(counts.map((f) => f.seq)).toEqual([...counts.map((f) => f.seq)].sort((a, b) => a - b));
    }
    expect(expectedEvents).toEqual([...expectedEvents].sort((a, b) => a - b));
    for (const socket of [inRoom, ...onRelays]) socket.close();
  });

  it("gives sockets that join while events flow every event after their hello exactly once", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 3);
    const witness = await join(target);
    const posting = (async () => {
      for (let i = 0; i < 15; i++) await comment(target, uniqueUser("author"), `while joining ${i}`);
    })();
    const joiners = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 15));
        return join(target);
      }),
    );
    await posting;
    const all = await waitFor(
      async () => witness.of("event").map((f) => f.seq),
      (seqs) => seqs.length === 15,
      5_000,
      "the witness's 15 comment events",
    );
    const last = all.at(-1);
    expect((await relaysOf(target)).relays.map((r) => r.sockets)).toEqual([3, 3, 2]);
    for (const socket of joiners) {
      const helloSeq = socket.of("hello")[0]!.seq;
      if (helloSeq < last!) await socket.next("event", (f) => f.seq === last);
      expect(socket.of("event").map((f) => f.seq)).toEqual(all.filter((seq) => seq > helloSeq));
    }
    for (const socket of [witness, ...joiners]) socket.close();
  });

  it("reads what it lacks from the room's ring after the room was evicted, and delivers each event once", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    const viewer = await join(target);
    const first = await comment(target, uniqueUser("author"), "before");
    await viewer.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === first.id);

    await evictDurableObject(room(target));
    const second = await comment(target, uniqueUser("author"), "after");
    await like(target, uniqueUser());
    const third = await comment(target, uniqueUser("author"), "later");
    await viewer.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === third.id);
    await viewer.quiet(200);

    const ids = viewer.of("event").map((f) => (f.event.kind === "comment" ? f.event.comment.id : null));
    expect(ids).toEqual([first.id, second.id, third.id]);
    const seqs = viewer.of("event").map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect((await relay(target, 0).stats()).refetches).toBeGreaterThanOrEqual(1);
    await viewer.next("count", (f) => f.count === 1);
    viewer.close();
  });

  it("reads the events it was not pushed from the ring when the room believed it empty", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    const viewer = await join(target);
    const first = await comment(target, uniqueUser("author"), "seen live");
    await viewer.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === first.id);

    // A report that says the relay is empty: the room stops pushing to it.
    const version = Date.now() * 1000 + 1e9;
    await room(target).relayReport({ target, k: 0, sockets: 0, version });
    const missed = await comment(target, uniqueUser("author"), "posted while skipped");
    await room(target).relayReport({ target, k: 0, sockets: 1, version: version + 1 });
    const next = await comment(target, uniqueUser("author"), "posted after");
    await viewer.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === next.id);

    const ids = viewer.of("event").map((f) => (f.event.kind === "comment" ? f.event.comment.id : null));
    expect(ids).toEqual([first.id, missed.id, next.id]);
    expect((await relay(target, 0).stats()).refetches).toBe(1);
    viewer.close();
  });

  it("keeps delivering after the relay itself was evicted", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    const viewer = await join(target);
    await evictDurableObject(relay(target, 0));
    const posted = await comment(target, uniqueUser("author"), "after the relay slept");
    await like(target, uniqueUser());
    await viewer.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === posted.id);
    await viewer.next("count", (f) => f.count === 1);
    viewer.close();
  });
});

describe("relay replay", () => {
  it("replays the events a client missed when it reconnects with since through a relay", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    const [a, b, c] = [uniqueUser(), uniqueUser(), uniqueUser()];
    const first = await join(target);
    await like(target, a);
    const lastSeen = (await first.next("count")).seq;
    first.close();
    await first.closed;

    await like(target, b);
    await like(target, c);
    await like(target, a, "unlike");

    const again = await join(target, { since: lastSeen });
    expect(again.of("hello")[0]).toMatchObject({ count: 2, seq: 4, resync: false, replay: 3 });
    await again.next("event", (f) => f.seq === 4);
    expect(again.of("event")).toEqual([
      { type: "event", seq: 2, at: expect.any(Number), replay: true, event: { kind: "like", count: 2 } },
      { type: "event", seq: 3, at: expect.any(Number), replay: true, event: { kind: "like", count: 3 } },
      { type: "event", seq: 4, at: expect.any(Number), replay: true, event: { kind: "unlike", count: 2 } },
    ]);
    expect((await relaysOf(target)).roomSockets).toBe(0);
    again.close();
  });

  it("answers with a resync snapshot through a relay when since is older than the ring keeps", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    // Five likes per commit: the ring drops whole commits, so the oldest ones can go.
    await likeMany(target, 1_005, 5);
    await runInDurableObject(room(target), (_instance, state) => {
      state.storage.sql.exec("UPDATE live_events SET at = at - 11 * 60 * 1000");
    });
    await like(target, uniqueUser());

    const tooOld = await join(target, { since: 3 });
    expect(tooOld.of("hello")[0]).toMatchObject({ count: 1_006, seq: 1_006, resync: true, replay: 0 });
    const recent = await join(target, { since: 1_003 });
    expect(recent.of("hello")[0]).toMatchObject({ seq: 1_006, resync: false, replay: 3 });
    await recent.next("event", (f) => f.seq === 1_006);
    expect(recent.of("event").map((f) => f.seq)).toEqual([1_004, 1_005, 1_006]);
    expect((await relay(target, 0).stats()).sockets).toBe(2);
    tooOld.close();
    recent.close();
  });
});

describe("relay slow consumers", () => {
  // The 1,000 seeded likes also reach 1,000 users' objects through the queue consumer, which
  // shares this one local workerd with the room and the relay: frames can take seconds here.
  const SLOW = 15_000;
  it("switches a relay socket that reports no reading to counts-only frames, and back once it catches up", { timeout: 120_000 }, async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    await likeMany(target, 1_000);
    // A replay of 1,000 events is far more than the window a client may leave unreported.
    const slow = await join(target, { since: 0 });
    await slow.next("event", (f) => f.seq === 1_000, SLOW);
    await slow.quiet(2_100);

    // A second viewer makes the room broadcast, which switches the slow socket.
    const other = await join(target);
    let likes = 1_000;
    const likeOnce = async () => {
      await like(target, uniqueUser());
      likes++;
    };
    const switched = await untilSwitched(slow, likeOnce, SLOW);
    expect(switched).toEqual({ type: "mode", mode: "counts-only" });
    await other.next("viewers", (f) => f.viewers === 2, SLOW);
    // From then on it gets counts, and neither events nor viewer counts.
    const later = await comment(target, uniqueUser("author"), "not for slow readers");
    await other.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === later.id, SLOW);
    const third = await join(target);
    await other.next("viewers", (f) => f.viewers === 3, SLOW);
    await likeOnce();
    await slow.next("count", (f) => f.count === likes, SLOW);
    expect(framesAfter(slow, switched).filter((f) => f.type === "viewers" || f.type === "event")).toEqual([]);
    expect(slow.of("event").filter((f) => f.event.kind === "comment")).toEqual([]);
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

describe("relay writes and frame hygiene", () => {
  it("acks a like and a comment sent on a relay socket and broadcasts them to the room's sockets", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 10);
    const inRoom = await join(target);
    const user = uniqueUser();
    const writer = await join(target, { token: await tokenFor(user, { name: "Relay Writer" }) });
    expect(writer.of("hello")[0]?.user).toEqual({ id: user });
    expect((await relay(target, 0).stats()).sockets).toBe(1);

    writer.send({ type: "like", id: "like-1" });
    expect(await writer.next("ack", (f) => f.id === "like-1")).toEqual({ type: "ack", id: "like-1", result: { liked: true, count: 1, changed: true, seq: 1 } });
    expect(await inRoom.next("count", (f) => f.seq === 1)).toEqual({ type: "count", count: 1, seq: 1 });

    writer.send({ type: "comment", id: "comment-1", text: "hello from a relay" });
    const ack = await writer.next("ack", (f) => f.id === "comment-1");
    expect(ack.comment).toMatchObject({ text: "hello from a relay", author: { id: user, name: "Relay Writer" } });
    const event = await inRoom.next("event", (f) => f.event.kind === "comment");
    expect(event.event).toMatchObject({ kind: "comment", comment: { id: ack.comment?.id } });
    await writer.next("event", (f) => f.event.kind === "comment");

    writer.send({ type: "react", id: "react-1", emoji: "love", action: "add" });
    expect(await writer.next("ack", (f) => f.id === "react-1")).toMatchObject({ reaction: { count: 1 } });
    await inRoom.next("event", (f) => f.event.kind === "reaction");
    inRoom.close();
    writer.close();
  });

  it("tells a signed-in viewer on a relay socket which of the room's reactions they hold", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 10);
    const inRoom = await join(target);
    const user = uniqueUser();
    const token = await tokenFor(user);
    const res = await call("/v1/reactions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ target, emoji: "love", action: "add" }),
    });
    expect(res.status).toBe(200);
    const relayed = await join(target, { token });
    expect((await relay(target, 0).stats()).sockets).toBe(1);
    expect(relayed.of("hello")[0]?.mine).toEqual(["love"]);
    const anonymous = await join(target);
    expect(anonymous.of("hello")[0]?.mine).toBeUndefined();
    for (const socket of [inRoom, relayed, anonymous]) socket.close();
  });

  it("routes a like from a relay socket on a sharded target to the user's shard", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 10);
    const sharded = await call(`/v1/admin/targets/${encodeURIComponent(target)}/shards`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
      body: JSON.stringify({ n: 2 }),
    });
    expect(sharded.status).toBe(200);
    const inRoom = await join(target);
    const user = uniqueUser();
    const writer = await join(target, { token: await tokenFor(user) });
    writer.send({ type: "like", id: "sharded-1" });
    expect(await writer.next("ack", (f) => f.id === "sharded-1")).toMatchObject({ result: { liked: true, count: 1, changed: true } });
    await inRoom.next("count", (f) => f.count === 1);
    await writer.next("count", (f) => f.count === 1);
    const status = await call(`/v1/users/${user}/likes/${encodeURIComponent(target)}`);
    expect(await status.json()).toMatchObject({ liked: true });
    inRoom.close();
    writer.close();
  });

  it("refuses a write from a relay socket without a token", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    const socket = await join(target);
    socket.send({ type: "like", id: "anon-1" });
    expect(await socket.next("error")).toMatchObject({ id: "anon-1", error: { code: "unauthorized" } });
    expect((await room(target).snapshot(target)).likes).toBe(0);
    socket.close();
  });

  it("answers invalid and oversize frames on a relay socket and closes it after 20 within 10 s", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    const socket = await join(target, { token: await tokenFor(uniqueUser()) });
    socket.send({ type: "like", id: "a", pad: "x".repeat(5_000) });
    expect(await socket.next("error")).toMatchObject({ error: { code: "payload_too_large" } });
    socket.send({ type: "like", id: "after" });
    expect(await socket.next("ack")).toMatchObject({ id: "after", result: { count: 1 } });
    socket.send("not json");
    expect(await socket.next("error", (f) => f.error.code === "invalid_json")).toBeDefined();
    for (let i = 0; i < 18; i++) socket.send({ type: "shout" });
    expect(await socket.closed).toMatchObject({ code: 1008 });
    expect(socket.of("error")).toHaveLength(20);
    expect((await relay(target, 0).stats()).sockets).toBe(0);
  });

  it("answers pings on a relay socket through the runtime's auto-response", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 0, 10);
    const socket = await join(target);
    socket.send(PING_FRAME);
    await socket.next("pong");
    const answeredAt = await runInDurableObject(relay(target, 0), (_instance, state) =>
      state.getWebSockets().map((ws) => state.getWebSocketAutoResponseTimestamp(ws)),
    );
    expect(answeredAt).toHaveLength(1);
    expect(answeredAt[0]).toBeInstanceOf(Date);
    socket.close();
  });
});
