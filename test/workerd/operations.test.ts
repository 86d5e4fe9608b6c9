import { createExecutionContext, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { z } from "zod";
import { ROOM_PRODUCER, shipOutbox } from "../../durable-objects/outbox";
import { lakeRowsOf } from "./lake-helpers";
import { OutboxBacklogReporter, readOutboxBacklog } from "../../durable-objects/outbox-backlog";
import { RoomMeta } from "../../durable-objects/room-meta";
import { HealthReport, REQUEST_ID_HEADER, RoomMetricsReport } from "../../protocol/operations";
import { createApp } from "../../workers/app";
import { EVENTS_QUEUE } from "../../workers/queues";
import { call, like, roomStub, runRoomAlarm, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket, untilSwitched } from "./live-socket";
import { d1Count, deliver, likeEvent } from "./pipeline-helpers";
import { waitFor } from "./wait";

/** Every JSON line logEvent wrote while the spy was on; the Worker and the rooms share this isolate. */
const LogLine = z.looseObject({ event: z.string() });
type LogLine = z.infer<typeof LogLine>;
let logSpy: MockInstance<typeof console.log>;
let rawLines: string[] = [];

beforeEach(() => {
  rawLines = [];
  const original = console.log.bind(console);
  logSpy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === "string") rawLines.push(args[0]);
    original(...args);
  });
});
afterEach(() => logSpy.mockRestore());

function logLines(): LogLine[] {
  return rawLines.flatMap((line) => {
    try {
      const parsed = LogLine.safeParse(JSON.parse(line));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}

function linesOf(event: string, requestId: string): LogLine[] {
  return logLines().filter(
    (line) =>
      line.event === event &&
      (line.requestId === requestId || (Array.isArray(line.requestIds) && line.requestIds.includes(requestId))),
  );
}

async function adminGet(path: string, roles: string[] = ["admin"]): Promise<Response> {
  return call(path, { headers: { authorization: `Bearer ${await tokenFor(uniqueUser("ops"), { roles })}` } });
}

async function metricsOf(target: string): Promise<RoomMetricsReport> {
  const res = await adminGet(`/v1/admin/targets/${encodeURIComponent(target)}/metrics`);
  expect(res.status).toBe(200);
  return RoomMetricsReport.parse(await res.json());
}

async function health(): Promise<HealthReport> {
  const res = await adminGet("/v1/admin/health");
  expect(res.status).toBe(200);
  return HealthReport.parse(await res.json());
}

function outboxSize(target: string): Promise<number> {
  return runInDurableObject(roomStub(target), (_room, state) => readOutboxBacklog(state.storage.sql).events);
}

/** Runs the room's alarm until its outbox is empty (a send takes at most 100 events). */
async function drainOutbox(target: string): Promise<void> {
  const stub = roomStub(target);
  await waitFor(
    async () => {
      await runInDurableObject(stub, (_room, state) => state.storage.setAlarm(Date.now()));
      await runDurableObjectAlarm(stub);
      return outboxSize(target);
    },
    (n) => n === 0,
    20_000,
    "the outbox to drain",
  );
}

describe("request ids and structured logs", () => {
  it("echoes a caller's short request id and replaces one that is not safe to log", async () => {
    const kept = await call("/health", { headers: { [REQUEST_ID_HEADER]: "lb-trace.42:abc" } });
    expect(kept.headers.get(REQUEST_ID_HEADER)).toBe("lb-trace.42:abc");

    const unsafe = `bad id ${"x".repeat(80)}`;
    const replaced = await call("/health", { headers: { [REQUEST_ID_HEADER]: unsafe } });
    const id = replaced.headers.get(REQUEST_ID_HEADER);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rawLines.join("\n")).not.toContain(unsafe);
  });

  it("logs a like's request id in the Worker's request line and in the room's write and outbox lines, without the token", async () => {
    const target = uniqueTarget();
    const userId = uniqueUser();
    const requestId = `req-${crypto.randomUUID()}`;
    const token = await tokenFor(userId);
    const res = await call("/v1/likes", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, [REQUEST_ID_HEADER]: requestId },
      body: JSON.stringify({ target, action: "like" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get(REQUEST_ID_HEADER)).toBe(requestId);

    const [request] = linesOf("request", requestId);
    expect(request).toMatchObject({ method: "POST", route: "/v1/likes", status: 200, userId, requestId });
    expect(request?.durationMs).toEqual(expect.any(Number));
    expect(linesOf("likes_applied", requestId)).toEqual([expect.objectContaining({ target, ops: 1, changed: 1 })]);

    // The outbox ships from the room's alarm, after the request ended, and still names it.
    await waitFor(
      async () => {
        await runRoomAlarm(target);
        return linesOf("outbox_sent", requestId).length;
      },
      (n) => n === 1,
      10_000,
      "an outbox line naming the request",
    );
    expect(linesOf("outbox_sent", requestId)[0]).toMatchObject({ target, events: 1 });
    expect(rawLines.join("\n")).not.toContain(token);
  });

  it("names a comment's and a reaction's request ids in the room's outbox lines", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const commentId = `comment-${crypto.randomUUID()}`;
    const reactionId = `react-${crypto.randomUUID()}`;
    const post = (path: string, requestId: string, body: unknown) =>
      call(path, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}`, [REQUEST_ID_HEADER]: requestId },
        body: JSON.stringify(body),
      });
    expect((await post(`/v1/targets/${encodeURIComponent(target)}/comments`, commentId, { text: "traced" })).status).toBe(201);
    expect((await post("/v1/reactions", reactionId, { target, emoji: "love", action: "add" })).status).toBe(200);

    const carried = (requestId: string) => linesOf("outbox_sent", requestId).length;
    await waitFor(
      async () => {
        await runRoomAlarm(target);
        return [carried(commentId), carried(reactionId)];
      },
      ([comment, reaction]) => comment === 1 && reaction === 1,
      10_000,
      "outbox lines naming both requests",
    );
  });

  it("carries the request id of a live upgrade into the room's socket line", async () => {
    const target = uniqueTarget();
    const requestId = `live-${crypto.randomUUID()}`;
    const res = await call(`/v1/targets/${encodeURIComponent(target)}/live`, { headers: { Upgrade: "websocket", [REQUEST_ID_HEADER]: requestId } });
    expect(res.status).toBe(101);
    expect(res.headers.get(REQUEST_ID_HEADER)).toBe(requestId);
    res.webSocket?.accept();
    res.webSocket?.close(1000, "test done");
    expect(linesOf("socket_accepted", requestId)).toEqual([expect.objectContaining({ target })]);
    expect(linesOf("request", requestId)).toEqual([expect.objectContaining({ route: "/v1/targets/:target/live", status: 101 })]);
  });

  it("logs a like from a room socket as a REST like is logged: likes_applied under the frame's id", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target, { token: await tokenFor(uniqueUser()) });
    await socket.next("hello");
    const frameId = `sock-${crypto.randomUUID()}`;
    socket.send({ type: "like", id: frameId });
    await socket.next("ack", (frame) => frame.id === frameId);
    // A frame id may be any short text; one that is no request id is still applied, unnamed.
    const spaced = "unlike #2 (café)";
    socket.send({ type: "unlike", id: spaced });
    expect(await socket.next("ack", (frame) => frame.id === spaced)).toMatchObject({ result: { liked: false, changed: true } });
    socket.close();
    expect(linesOf("likes_applied", frameId)).toEqual([expect.objectContaining({ target, ops: 1, changed: 1 })]);
  });

  it("names every coalesced request in the room's likes_applied line, not only the one that sent the batch", async () => {
    const target = uniqueTarget();
    const requests = await Promise.all(
      Array.from({ length: 30 }, async () => ({ requestId: `co-${crypto.randomUUID()}`, token: await tokenFor(uniqueUser()) })),
    );
    const answers = await Promise.all(
      requests.map(({ requestId, token }) =>
        call("/v1/likes", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}`, [REQUEST_ID_HEADER]: requestId },
          body: JSON.stringify({ target, action: "like" }),
        }),
      ),
    );
    expect(answers.every((res) => res.status === 200)).toBe(true);
    const batches = logLines().filter((line) => line.event === "likes_applied" && line.target === target);
    // Coalesced: fewer room writes than requests, and still every request is named in one.
    expect(batches.length).toBeLessThan(requests.length);
    for (const { requestId } of requests) expect(linesOf("likes_applied", requestId)).toHaveLength(1);
  });

  it("logs cache hits and misses of count reads", async () => {
    const target = uniqueTarget();
    const first = await call(`/v1/targets/${encodeURIComponent(target)}/count`, { headers: { [REQUEST_ID_HEADER]: "count-1" } });
    const second = await call(`/v1/targets/${encodeURIComponent(target)}/count`, { headers: { [REQUEST_ID_HEADER]: "count-2" } });
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(linesOf("request", "count-1")).toEqual([expect.objectContaining({ cache: "MISS", route: "/v1/targets/:target/count" })]);
    expect(linesOf("request", "count-2")).toEqual([expect.objectContaining({ cache: "HIT" })]);
  });
});

describe("request metrics in Analytics Engine", () => {
  it("writes one data point per request in the documented field positions when ANALYTICS is bound", async () => {
    // Analytics Engine has no local store to read back, so the dataset here records what it is given.
    const points: AnalyticsEngineDataPoint[] = [];
    const dataset: AnalyticsEngineDataset = { writeDataPoint: (point) => void (point && points.push(point)) };
    const target = uniqueTarget();
    const ctx = createExecutionContext();
    const res = await createApp().request(`/v1/targets/${encodeURIComponent(target)}/count`, {}, { ...env, ANALYTICS: dataset }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(points).toHaveLength(1);
    const [point] = points;
    expect(point?.indexes).toEqual(["/v1/targets/:target/count"]);
    expect(point?.blobs).toEqual(["/v1/targets/:target/count", "GET", "200", "MISS", "development"]);
    expect(point?.doubles?.[0]).toBeGreaterThanOrEqual(0);
    expect(point?.doubles?.[1]).toBe(200);
    expect(JSON.stringify(points)).not.toContain(target);
  });

  it("serves requests as usual when no dataset is bound", async () => {
    expect(env.ANALYTICS).toBeUndefined();
    expect((await call("/health")).status).toBe(200);
  });

  it("lists the operations routes in the OpenAPI document", async () => {
    const doc = z.object({ paths: z.record(z.string(), z.unknown()) }).parse(await (await call("/openapi.json")).json());
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/admin/health", "/v1/admin/targets/{target}/metrics"]));
  });
});

describe("room metrics", () => {
  it("moves likes, writes and outbox counters as likes are made and shipped", async () => {
    const target = uniqueTarget();
    const [a, b, c] = [uniqueUser(), uniqueUser(), uniqueUser()];
    await like(target, a);
    await like(target, b);
    await like(target, c);
    await like(target, c); // a repeat: asked for, changes nothing

    const before = await metricsOf(target);
    expect(before.likes.changes).toBe(3);
    expect(before.likes.perSecond).toBeGreaterThan(0);
    expect(before.writes).toEqual({ commits: 3, ops: 4 });
    expect(before.seq).toBe(3);

    await waitFor(
      async () => {
        await runRoomAlarm(target);
        return metricsOf(target);
      },
      (m) => m.outbox.sent === 3,
      10_000,
      "an outbox send",
    );
    const after = await metricsOf(target);
    // No D1 checkpoint any more (issue 17), so the report has no section for one.
    expect(after).not.toHaveProperty("checkpoint");
    expect(after.outbox).toMatchObject({ backlog: 0, oldestAgeMs: null, sent: 3, failures: 0 });
  });

  it("counts sockets accepted, refused and closed and the frames sent to them", async () => {
    const target = uniqueTarget();
    const socket = await LiveSocket.open(target);
    await socket.next("hello");
    const open = await metricsOf(target);
    expect(open.sockets).toMatchObject({ open: 1, accepted: 1, closed: 0 });
    expect(open.frames.sent).toBeGreaterThanOrEqual(1);

    await like(target, uniqueUser());
    await socket.next("count", (frame) => frame.count === 1);
    expect((await metricsOf(target)).frames.sent).toBeGreaterThan(open.frames.sent);

    // Only the Worker can reach a room's fetch; a request that is no upgrade is refused there.
    const refused = await roomStub(target).fetch("https://target-room.internal/live");
    expect(refused.status).toBe(426);
    socket.close();
    await socket.closed;
    const closed = await waitFor(() => metricsOf(target), (m) => m.sockets.closed === 1, 5_000, "the close");
    expect(closed.sockets).toMatchObject({ open: 0, accepted: 1, refused: 1 });
  });
});

describe("room metrics of slow consumers", () => {
  // The 1,000 seeded likes also reach 1,000 users' objects through the queue consumer, which
  // shares this one local workerd with the room: frames can take seconds here.
  const SLOW = 15_000;
  it("counts a socket switched to counts-only and the frames it was spared", { timeout: 90_000 }, async () => {
    const target = uniqueTarget();
    const ops = Array.from({ length: 1_000 }, (_, i) => ({ userId: `bulk-${i}`, action: "like" as const }));
    await roomStub(target).applyLikes({ target, ops });
    // A replay of 1,000 events is far more than a client may leave unreported (send-window.ts).
    const slow = await LiveSocket.open(target, { since: 0 });
    await slow.next("event", (frame) => frame.seq === 1_000, SLOW);
    await slow.quiet(2_100);
    expect((await metricsOf(target)).frames).toMatchObject({ switchedToCountsOnly: 0, droppedSlow: 0 });

    // A second viewer makes the room broadcast, which switches the slow socket; the viewer count
    // a third viewer's arrival broadcasts is a frame the slow socket is spared.
    const other = await LiveSocket.open(target);
    await other.next("viewers", (frame) => frame.viewers === 2, SLOW);
    let likes = 1_000;
    const likeOnce = async () => {
      await like(target, uniqueUser());
      likes++;
    };
    await untilSwitched(slow, likeOnce, SLOW);
    const third = await LiveSocket.open(target);
    await other.next("viewers", (frame) => frame.viewers === 3, SLOW);
    await likeOnce();
    await slow.next("count", (frame) => frame.count === likes, SLOW);
    const frames = (await metricsOf(target)).frames;
    expect(frames.switchedToCountsOnly).toBe(1);
    expect(frames.droppedSlow).toBeGreaterThanOrEqual(1);
    expect(frames.closedTooFarBehind).toBe(0);
    third.close();
    other.close();
    slow.close();
  });
});

describe("production queue names", () => {
  it("routes a batch from production's -production queue to the same event consumer", async () => {
    const target = uniqueTarget();
    const productionEnv = { ...env, ENVIRONMENT: "production" };
    const { result } = await deliver(`${EVENTS_QUEUE}-production`, [likeEvent(target, uniqueUser(), Date.now())], { env: productionEnv });
    expect(result.explicitAcks).toHaveLength(1);
    expect(await lakeRowsOf(target)).toHaveLength(1);
  });
});

describe("admin operations routes", () => {
  it("refuses metrics and health to anyone without the admin role", async () => {
    const target = uniqueTarget();
    for (const path of [`/v1/admin/targets/${encodeURIComponent(target)}/metrics`, "/v1/admin/health"]) {
      expect((await adminGet(path, [])).status).toBe(403);
      expect((await adminGet(path, ["moderator", `member:${target}`])).status).toBe(403);
      expect((await call(path)).status).toBe(401);
    }
  });

  it("answers a bad target in the metrics route with a 400", async () => {
    const res = await adminGet("/v1/admin/targets/not-a-target/metrics");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
  });
});

describe("health", () => {
  it("reports D1 reachable with its query time", async () => {
    const report = await health();
    expect(report.checks.d1.status).toBe("ok");
    expect(report.checks.d1.observed.queryMs).toEqual(expect.any(Number));
  });

  it("turns the consumer check to warn when the events it consumes are minutes old", async () => {
    const target = uniqueTarget();
    const fiveMinutesAgo = Date.now() - 5 * 60_000;
    await deliver(EVENTS_QUEUE, [likeEvent(target, uniqueUser(), fiveMinutesAgo)]);
    const stale = await health();
    expect(stale.checks.consumer.status).toBe("warn");
    expect(stale.checks.consumer.observed.lagMs).toBeGreaterThanOrEqual(5 * 60_000);

    await deliver(EVENTS_QUEUE, [likeEvent(target, uniqueUser(), Date.now())]);
    expect((await health()).checks.consumer.status).toBe("ok");
    // The gauge lives in the queue's health board: D1 is not written per batch any more.
    expect(await d1Count("SELECT COUNT(*) AS n FROM queue_consumer_stats")).toBe(0);
  });

  it("turns the outbox check to warn while a room holds more unsent events than the threshold, and back to ok once it drains", { timeout: 60_000 }, async () => {
    const target = uniqueTarget();
    const stub = roomStub(target);
    const outage = { sendBatch: async () => Promise.reject(new Error("queue unavailable")) };
    const users = Array.from({ length: 1_001 }, (_, i) => `backlog-${i}`);

    await runInDurableObject(stub, async (room, state) => {
      // Two writes (an RPC takes at most 1,000 ops); the alarm is held back so the room's own
      // outbox job cannot ship them before the failing send below.
      await room.applyLikes({ target, ops: users.slice(0, 1_000).map((userId) => ({ userId, action: "like" as const })) });
      await state.storage.deleteAlarm();
      await room.applyLikes({ target, ops: users.slice(1_000).map((userId) => ({ userId, action: "like" as const })) });
      await state.storage.deleteAlarm();
      await expect(shipOutbox(outage, state.storage.sql, ROOM_PRODUCER)).rejects.toThrow("queue unavailable");
      // What the room's outbox job does after every send, failed ones included.
      const { reported, backlog } = await new OutboxBacklogReporter(env, state.storage.sql, new RoomMeta(state.storage.sql)).report(target);
      expect(reported).toBe(true);
      expect(backlog.events).toBe(1_001);
    });

    const backedUp = await health();
    expect(backedUp.checks.outbox.status).toBe("warn");
    expect(backedUp.checks.outbox.observed).toMatchObject({ unsentEvents: 1_001, rooms: 1 });
    expect(await d1Count("SELECT COUNT(*) AS n FROM room_outbox_backlogs")).toBe(0);
    expect(backedUp.status).not.toBe("ok");
    expect((await metricsOf(target)).outbox.backlog).toBe(1_001);

    // The queue is back: the room's own outbox job ships the backlog and clears its report.
    await drainOutbox(target);
    const drained = await health();
    expect(drained.checks.outbox.status).toBe("ok");
    expect(drained.checks.outbox.observed).toMatchObject({ unsentEvents: 0, rooms: 0 });
  });
});
