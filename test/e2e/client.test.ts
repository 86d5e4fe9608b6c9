import { afterEach, describe, expect, inject, it } from "vitest";
import { connect, createRestClient, LiveRequestError, RestError, type EventFrame, type HelloFrame, type LiveConnection } from "../../client/index";
import { e2eToken, eventually, uniqueTarget, uniqueUser } from "./secret";

const baseUrl = inject("baseUrl");
const open: LiveConnection[] = [];

function track(connection: LiveConnection): LiveConnection {
  open.push(connection);
  return connection;
}

afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

describe("client SDK against wrangler dev", () => {
  it("receives the snapshot and the live count after a REST like", async () => {
    const target = uniqueTarget();
    const rest = createRestClient({ baseUrl, token: () => e2eToken(uniqueUser()) });
    await rest.like(target);

    const counts: number[] = [];
    const hellos: HelloFrame[] = [];
    const live = track(connect(target, { baseUrl, onCount: (count) => counts.push(count), onHello: (h) => hellos.push(h) }));
    await eventually(() => hellos.length === 1, 5_000, "hello");
    expect(hellos[0]).toMatchObject({ count: 1, seq: 1, viewers: 1, user: null });

    await rest.like(target);
    await eventually(() => counts.at(-1) === 2, 5_000, "count 2");
    expect(live.state).toMatchObject({ count: 2, seq: 2, viewers: 1 });
  });

  it("likes over the socket and resolves with the ack", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const live = track(connect(target, { baseUrl, token: () => e2eToken(user) }));
    await expect(live.like()).resolves.toEqual({ liked: true, count: 1, changed: true, seq: 1 });
    await expect(live.unlike()).resolves.toMatchObject({ liked: false, count: 0, seq: 2 });
    const rest = createRestClient({ baseUrl });
    await expect(rest.likeStatus(user, target)).resolves.toEqual({ liked: false, likedAt: null });
  });

  it("rejects a like from a connection without a token", async () => {
    const live = track(connect(uniqueTarget(), { baseUrl }));
    await expect(live.like()).rejects.toMatchObject({ code: "unauthorized" });
    await expect(live.like()).rejects.toBeInstanceOf(LiveRequestError);
  });

  it("asks for a fresh token on reconnect and replays what it missed", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const rest = createRestClient({ baseUrl, token: () => e2eToken(uniqueUser()) });
    let tokenCalls = 0;
    let releaseSecondToken: () => void = () => {};
    const secondTokenGate = new Promise<void>((resolve) => (releaseSecondToken = resolve));
    const hellos: HelloFrame[] = [];
    const events: EventFrame[] = [];
    const live = track(
      connect(target, {
        baseUrl,
        token: async () => {
          tokenCalls++;
          // Holding the second token keeps the client offline while others like.
          if (tokenCalls === 2) await secondTokenGate;
          return e2eToken(user);
        },
        onHello: (h) => hellos.push(h),
        onEvent: (e) => events.push(e),
      }),
    );
    await live.like();
    await eventually(() => live.state.seq === 1, 5_000, "seq 1");

    live.reconnect();
    await eventually(() => tokenCalls === 2, 5_000, "second token request");
    await rest.like(target);
    await rest.like(target);
    releaseSecondToken();

    await eventually(() => hellos.length === 2, 5_000, "second hello");
    expect(hellos[1]).toMatchObject({ resync: false, replay: 2, seq: 3, count: 3, user: { id: user } });
    await eventually(() => events.length === 2, 5_000, "replayed events");
    expect(events.map((e) => [e.seq, e.replay, e.event])).toEqual([
      [2, true, { kind: "like", count: 2 }],
      [3, true, { kind: "like", count: 3 }],
    ]);
    await expect(live.unlike()).resolves.toMatchObject({ liked: false, count: 2 });
  });

  it("posts comments over the socket and sees every comment once across a reconnect", async () => {
    const target = uniqueTarget().replace(/^post:/, "stream:");
    const writer = createRestClient({ baseUrl, token: () => e2eToken(uniqueUser()) });
    const seen: string[] = [];
    let releaseToken: () => void = () => {};
    let tokenCalls = 0;
    const gate = new Promise<void>((resolve) => (releaseToken = resolve));
    const user = uniqueUser();
    const live = track(
      connect(target, {
        baseUrl,
        token: async () => {
          tokenCalls++;
          if (tokenCalls === 2) await gate;
          return e2eToken(user);
        },
        onEvent: (frame) => {
          if (frame.event.kind === "comment") seen.push(frame.event.comment.text);
        },
      }),
    );
    const mine = await live.comment("first, from the socket");
    expect(mine).toMatchObject({ text: "first, from the socket", author: { id: user } });
    await eventually(() => seen.length === 1, 5_000, "own comment live");

    live.reconnect();
    await eventually(() => tokenCalls === 2, 5_000, "offline");
    await writer.postComment(target, "missed one");
    await writer.postComment(target, "missed two");
    releaseToken();
    await eventually(() => seen.length === 3, 5_000, "replayed comments");
    await writer.postComment(target, "after");
    await eventually(() => seen.length === 4, 5_000, "live again");
    expect(seen).toEqual(["first, from the socket", "missed one", "missed two", "after"]);

    const page = await writer.comments(target, { limit: 10 });
    expect(page.items.map((c) => c.text)).toEqual(["after", "missed two", "missed one", "first, from the socket"]);
  });

  it("sees viewers join and leave", async () => {
    const target = uniqueTarget();
    const viewers: number[] = [];
    const first = track(connect(target, { baseUrl, onViewers: (n) => viewers.push(n) }));
    await eventually(() => first.state.viewers === 1, 5_000, "one viewer");
    const second = track(connect(target, { baseUrl }));
    await eventually(() => first.state.viewers === 2, 5_000, "two viewers");
    second.close();
    await eventually(() => first.state.viewers === 1, 5_000, "back to one viewer");
    expect(viewers).toContain(2);
  });
});

describe("REST helpers against wrangler dev", () => {
  it("parse counts, stats and errors with the protocol's schemas", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const rest = createRestClient({ baseUrl, token: () => e2eToken(user) });
    await expect(rest.like(target)).resolves.toMatchObject({ target, liked: true, count: 1, changed: true });
    await expect(rest.toggle(target)).resolves.toMatchObject({ liked: false, count: 0 });
    await expect(rest.stats(target)).resolves.toMatchObject({ target, likes: 0, viewers: 0 });

    const anonymous = createRestClient({ baseUrl });
    await expect(anonymous.like(target)).rejects.toBeInstanceOf(RestError);
    await expect(anonymous.count("nope")).rejects.toMatchObject({ status: 400, code: "invalid_request" });
  });
});
