import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClientFrame, MAX_CLIENT_FRAME_BYTES } from "../../protocol/live";
import { MAX_INVALID_FRAMES } from "../../durable-objects/frame-guard";
import { tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { fakeCommentId } from "./moderation-helpers";
import { LiveSocket, wireSafe } from "./live-socket";
import { expectRoomInvariants, malformedJsonText, roomFingerprint } from "./fuzz-helpers";
import { printReliability } from "./reliability-record";
import { waitFor } from "./wait";

/**
 * Property-based fuzzing of the live socket protocol on real sockets through SELF: every
 * frame the protocol does not know is answered with one error frame, writes nothing, and only
 * the 20th invalid frame within 10 s closes the socket (1008); the room keeps serving others.
 */

/** A raw frame: text, or bytes for a binary frame. */
type RawFrame = string | Uint8Array;

const validFrames = (commentId: string): Record<string, unknown>[] => [
  { type: "like", id: "a" },
  { type: "unlike", id: "b" },
  { type: "comment", id: "c", text: "hello" },
  { type: "comment", id: "d", text: "reply", replyTo: commentId },
  { type: "react", id: "e", emoji: "love", action: "add" },
  { type: "react", id: "f", emoji: "wow", action: "remove", commentId },
  { type: "seen", mark: "m1" },
];

const isInvalidText = (text: string) => {
  try {
    return !ClientFrame.safeParse(JSON.parse(text)).success;
  } catch {
    return true;
  }
};

/** Frames the protocol refuses: wrong shapes, broken fields, not JSON, binary, oversized, unicode. */
const invalidFrame: fc.Arbitrary<RawFrame> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        frame: fc.constantFrom(...validFrames(fakeCommentId())),
        key: fc.constantFrom("type", "id", "text", "emoji", "action", "mark", "replyTo", "commentId", "extra"),
        value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)),
      })
      .map(({ frame, key, value }) => JSON.stringify({ ...frame, [key]: value })),
  },
  { weight: 2, arbitrary: malformedJsonText },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...validFrames(fakeCommentId())), fc.integer({ min: MAX_CLIENT_FRAME_BYTES, max: 64 * 1024 }), fc.constantFrom("x", "é", "🎉"))
      .map(([frame, size, unit]) => JSON.stringify({ ...frame, pad: unit.repeat(Math.ceil(size / unit.length)) })),
  },
).filter((frame) => typeof frame !== "string" || isInvalidText(frame));

describe("fuzzed live socket frames", () => {
  it("answers each invalid frame with one error frame, keeps the socket open below 20, and writes nothing", async () => {
    const target = uniqueTarget("stream");
    const author = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("author")) });
    await author.next("hello");
    author.send({ type: "comment", id: "seed", text: "seeded comment" });
    await author.next("ack", (frame) => frame.id === "seed");
    const before = await roomFingerprint(target);
    let tried = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(invalidFrame, { minLength: 1, maxLength: MAX_INVALID_FRAMES - 1 }), fc.boolean(), async (frames, signedIn) => {
        const socket = await LiveSocket.open(target, signedIn ? { token: await tokenFor(uniqueUser("fuzz")) } : {});
        await socket.next("hello");
        for (const frame of frames) socket.ws.send(typeof frame === "string" ? wireSafe(frame) : frame);
        tried += frames.length;
        await socket.next("error", () => socket.of("error").length >= frames.length, 5_000);
        // The guard also answers nothing but errors: no ack, no event, no count from these frames.
        expect(socket.of("error")).toHaveLength(frames.length);
        expect(socket.of("ack")).toHaveLength(0);
        for (const error of socket.of("error")) expect(["invalid_json", "invalid_request", "payload_too_large"]).toContain(error.error.code);
        refused += socket.of("error").length;
        // Still open and still served: a ping the auto-response does not match byte for byte is answered by the room.
        socket.send('{ "type": "ping" }');
        await socket.next("pong");
        socket.close();
      }),
      { numRuns: 200 },
    );
    expect(await roomFingerprint(target)).toBe(before);
    author.close();
    printReliability({ kind: "bad-input", suite: "fuzz socket frames", tried, refused });
  });

  it("closes a socket with 1008 on its 20th invalid frame within 10 s, and the room keeps serving the others", async () => {
    const target = uniqueTarget("stream");
    const bystander = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("bystander")) });
    await bystander.next("hello");
    let tried = 0;
    let refused = 0;
    let likes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(invalidFrame, { minLength: MAX_INVALID_FRAMES, maxLength: MAX_INVALID_FRAMES }), async (frames) => {
        const before = await roomFingerprint(target);
        const abuser = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("abuser")) });
        await abuser.next("hello");
        for (const frame of frames) abuser.ws.send(typeof frame === "string" ? wireSafe(frame) : frame);
        tried += frames.length;
        expect(await abuser.closed).toMatchObject({ code: 1008 });
        expect(abuser.of("error")).toHaveLength(MAX_INVALID_FRAMES);
        refused += abuser.of("error").length;
        expect(await roomFingerprint(target)).toBe(before);
        // The room still works for everyone else: a like is acked and its count reaches the bystander.
        likes++;
        const liker = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("liker")) });
        await liker.next("hello");
        liker.send({ type: "like", id: "still-works" });
        const ack = await liker.next("ack", (f) => f.id === "still-works");
        expect(ack.result).toMatchObject({ liked: true, count: likes });
        await bystander.next("count", (f) => f.count === likes);
        liker.close();
        // ... and its viewers count returns to the sockets really open: the bystander alone.
        await waitFor(async () => bystander.of("viewers").at(-1)?.viewers, (viewers) => viewers === 1, 5_000, "viewers back to 1");
      }),
      { numRuns: 15 },
    );
    bystander.close();
    printReliability({ kind: "bad-input", suite: "fuzz socket frames up to the invalid-frame limit", tried, refused });
  });

  it("answers every well-formed write frame with an ack or an error of the same id, and the room's invariants hold", async () => {
    const target = uniqueTarget("stream");
    const seeder = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("seeder")) });
    await seeder.next("hello");
    seeder.send({ type: "comment", id: "seed", text: "seeded comment" });
    const seeded = await seeder.next("ack", (f) => f.id === "seed");
    const commentId = seeded.comment!.id;
    const requestId = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((id) => id.length <= 64);
    const writeFrame = fc.oneof(
      fc.record({ type: fc.constantFrom("like" as const, "unlike" as const), id: requestId }),
      fc.record(
        { type: fc.constant("comment" as const), id: requestId, text: fc.string({ unit: "grapheme", maxLength: 120 }), replyTo: fc.constantFrom(commentId, fakeCommentId()) },
        { requiredKeys: ["type", "id", "text"] },
      ),
      fc.record(
        {
          type: fc.constant("react" as const),
          id: requestId,
          emoji: fc.constantFrom("love", "wow", "haha", "🎉", "👍🏽", "party_popper", "a"),
          action: fc.constantFrom("add" as const, "remove" as const),
          commentId: fc.constantFrom(commentId, fakeCommentId()),
        },
        { requiredKeys: ["type", "id", "emoji", "action"] },
      ),
    );
    let frames = 0;
    let acked = 0;
    // Frames left unanswered or refused as malformed although they follow the protocol.
    let unexpected = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(writeFrame, { minLength: 1, maxLength: 12 }), async (writes) => {
        const socket = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("writer")) });
        await socket.next("hello");
        // Ids repeat within a run on purpose: a resent frame id is an idempotent retry.
        for (const write of writes) {
          expect(ClientFrame.safeParse(write).success).toBe(true);
          socket.send(write);
        }
        frames += writes.length;
        const answered = () => socket.of("ack").length + socket.of("error").filter((f) => f.id !== undefined).length;
        await waitFor(async () => answered(), (n) => n >= writes.length, 5_000, "an answer to every write frame").catch(() => undefined);
        // The frame guard's refusals carry no id; a write the room refuses is answered under its id.
        const unframed = socket.of("error").filter((f) => f.id === undefined);
        unexpected += writes.length - answered() + unframed.length;
        expect(answered()).toBe(writes.length);
        expect(unframed).toEqual([]);
        acked += socket.of("ack").length;
        socket.close();
      }),
      { numRuns: 60 },
    );
    await expectRoomInvariants(target);
    seeder.close();
    printReliability({ kind: "load", suite: "fuzz socket write frames", ops: frames, errors: unexpected });
    expect(acked).toBeGreaterThan(0);
  });
});
