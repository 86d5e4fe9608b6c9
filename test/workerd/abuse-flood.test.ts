import { describe, expect, it } from "vitest";
import { DEFAULT_RATE_LIMITS } from "../../durable-objects/moderation/rate-limits";
import { call, postJson, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { postComment } from "./comment-helpers";
import { LiveSocket } from "./live-socket";
import { answerOf, expectRefused, expectRoomInvariants, roomFingerprint } from "./fuzz-helpers";
import { printReliability } from "./reliability-record";

/**
 * Floods past the per-user limits and oversized requests: the excess is refused (429 with
 * Retry-After, 413), refused writes leave no trace (count and seq follow only the accepted
 * ones), and other users of the same room are not slowed down.
 */

interface Tally {
  accepted: number;
  limited: number;
}

function expectRateLimited(status: number, headers: Headers, body: unknown, what: string): void {
  expect(status, what).toBe(429);
  expect(body, what).toMatchObject({ error: { code: "rate_limited", message: expect.any(String) } });
  const retryAfter = Number(headers.get("Retry-After"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After ${headers.get("Retry-After")}`).toBe(true);
}

describe("floods past the rate limits", () => {
  it("limits one user's concurrent toggles and reactions to one budget; refused ones change nothing, others still write", async () => {
    const target = uniqueTarget();
    const flooder = await tokenFor(uniqueUser("flooder"));
    const flood = DEFAULT_RATE_LIMITS.reactionsPerMinute + 40;
    const tally: Tally = { accepted: 0, limited: 0 };
    const answers = await Promise.all(
      Array.from({ length: flood }, async (_, i) => {
        const res =
          i % 4 === 3
            ? await postJson("/v1/reactions", { target, emoji: "love", action: i % 8 === 3 ? "add" : "remove" }, { token: flooder })
            : await postJson("/v1/likes/toggle", { target }, { token: flooder });
        return { res, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const floodEnded = Date.now();
    let changes = 0;
    for (const { res, body } of answers) {
      if (res.status === 200) {
        tally.accepted++;
        if (body.changed === true) changes++;
      } else {
        expectRateLimited(res.status, res.headers, body, "flooded write");
        tally.limited++;
      }
    }
    // The budget refills while the flood runs, so a few more than the burst may pass.
    expect(tally.accepted).toBeGreaterThanOrEqual(DEFAULT_RATE_LIMITS.reactionsPerMinute);
    expect(tally.accepted).toBeLessThan(DEFAULT_RATE_LIMITS.reactionsPerMinute + 10);
    expect(tally.limited).toBe(flood - tally.accepted);
    // Every accepted change took one seq; no refused one took any.
    const { seq } = await expectRoomInvariants(target);
    expect(seq).toBe(changes);

    // Another user of the same room is not limited by the flood.
    const bystander = await tokenFor(uniqueUser("bystander"));
    const before = await roomStub(target).snapshot(target);
    const liked = await postJson("/v1/likes", { target, action: "like" }, { token: bystander });
    expect(liked.status).toBe(200);
    expect(await liked.json()).toMatchObject({ liked: true, count: before.likes + 1 });
    // And the flooder is still refused, with nothing written. The budget refills one write per
    // 600 ms, and on a loaded machine the checks above take seconds (a CI run saw a toggle
    // pass here): the writes refilled since the flood may pass, the one after them may not.
    const refillMs = 60_000 / DEFAULT_RATE_LIMITS.reactionsPerMinute;
    let refusedAfter: number | null = null;
    for (let tries = 0; tries < 50 && refusedAfter === null; tries++) {
      const fingerprint = await roomFingerprint(target);
      const again = await postJson("/v1/likes/toggle", { target }, { token: flooder });
      if (again.status === 200) {
        expect(tries, "toggles passed after the flood beyond what refilled").toBeLessThanOrEqual(Math.ceil((Date.now() - floodEnded) / refillMs));
        continue;
      }
      expectRateLimited(again.status, again.headers, await again.json(), "toggle after the flood");
      expect(await roomFingerprint(target)).toBe(fingerprint);
      refusedAfter = tries;
    }
    expect(refusedAfter, "a toggle after the flood was refused").not.toBeNull();
    printReliability({ kind: "bad-input", suite: "abuse: like and reaction flood past 100/min", tried: tally.limited + 1, refused: tally.limited + 1 });
  });

  it("limits one user's comments to the per-minute budget with Retry-After; refused comments are not stored", async () => {
    const target = uniqueTarget("stream");
    const flooderId = uniqueUser("spammer");
    const flood = DEFAULT_RATE_LIMITS.commentsPerMinute + 15;
    const tally: Tally = { accepted: 0, limited: 0 };
    for (let i = 0; i < flood; i++) {
      const res = await postComment(target, flooderId, { text: `message number ${i}` });
      const body = await res.json();
      if (res.status === 201) tally.accepted++;
      else {
        expectRateLimited(res.status, res.headers, body, `comment ${i}`);
        tally.limited++;
      }
    }
    expect(tally.accepted).toBeGreaterThanOrEqual(DEFAULT_RATE_LIMITS.commentsPerMinute);
    expect(tally.accepted).toBeLessThanOrEqual(DEFAULT_RATE_LIMITS.commentsPerMinute + 2);
    const snapshot = await roomStub(target).snapshot(target);
    expect(snapshot.comments).toBe(tally.accepted);
    expect(snapshot.seq).toBe(tally.accepted);
    expect((await postComment(target, uniqueUser("other"), { text: "not limited" })).status).toBe(201);
    printReliability({ kind: "bad-input", suite: "abuse: comment flood past 10/min", tried: tally.limited, refused: tally.limited });
  });

  it("answers a socket's like flood with rate_limited error frames and keeps the count exact for viewers", async () => {
    const target = uniqueTarget("stream");
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    const socket = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("frame-flooder")) });
    await socket.next("hello");
    const flood = DEFAULT_RATE_LIMITS.reactionsPerMinute + 50;
    for (let i = 0; i < flood; i++) socket.send({ type: i % 2 === 0 ? "like" : "unlike", id: `f${i}` });
    await socket.next("error", () => socket.of("ack").length + socket.of("error").length >= flood, 15_000);
    const limited = socket.of("error");
    for (const frame of limited) expect(frame.error).toMatchObject({ code: "rate_limited", retryAfterSeconds: expect.any(Number) });
    expect(limited.length).toBeGreaterThan(0);
    // Rate-limited frames are answered, never counted as invalid: the socket stays open.
    socket.send('{ "type": "ping" }');
    await socket.next("pong");
    const { count } = await expectRoomInvariants(target);
    const lastAck = socket.of("ack").at(-1);
    expect(lastAck?.result?.count).toBe(count);
    socket.close();
    viewer.close();
    printReliability({ kind: "bad-input", suite: "abuse: socket like flood", tried: limited.length, refused: limited.length });
  });
});

describe("oversized requests and frames", () => {
  it("refuses a 1 MiB body and a streamed body without Content-Length with 413, writing nothing", async () => {
    const target = uniqueTarget();
    const token = await tokenFor(uniqueUser());
    const before = await roomFingerprint(target);
    const huge = JSON.stringify({ target, action: "like", pad: "x".repeat(1024 * 1024) });
    const sized = await answerOf(await call("/v1/likes", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: huge }));
    expectRefused(sized, "1 MiB like");
    expect(sized.status).toBe(413);

    const chunk = new TextEncoder().encode("x".repeat(8 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 32) return controller.close();
        controller.enqueue(chunk);
        sent++;
      },
    });
    const streamed = await answerOf(
      await call("/v1/likes", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: stream }),
    );
    expectRefused(streamed, "streamed like");
    expect(streamed.status).toBe(413);
    expect(await roomFingerprint(target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "abuse: oversized bodies", tried: 2, refused: 2 });
  });

  it("refuses a 1 MiB frame without taking the room down", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    const socket = await LiveSocket.open(target, { token: await tokenFor(user) });
    await socket.next("hello");
    const before = await roomFingerprint(target);
    socket.send({ type: "like", id: "big", pad: "é".repeat(512 * 1024) });
    // Either the room answers payload_too_large or the runtime closes the socket; never a write.
    const outcome = await Promise.race([socket.next("error", undefined, 10_000).then((frame) => frame.error.code), socket.closed.then((closed) => `closed ${closed.code}`)]);
    expect(outcome).toMatch(/^(payload_too_large|closed 1009)$/);
    expect(await roomFingerprint(target)).toBe(before);
    const other = await LiveSocket.open(target, { token: await tokenFor(uniqueUser()) });
    await other.next("hello");
    other.send({ type: "like", id: "small" });
    expect((await other.next("ack", (f) => f.id === "small")).result).toMatchObject({ liked: true, count: 1 });
    other.close();
    socket.close();
    printReliability({ kind: "bad-input", suite: "abuse: oversized frame", tried: 1, refused: 1 });
  });
});
