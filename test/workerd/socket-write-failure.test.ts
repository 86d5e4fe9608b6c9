import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";

/** The room's per-user limits, reached past TypeScript's `private` to make them fail. */
type Limits = { takeWrite(userId: string): Promise<unknown> };
const limitsOf = (room: unknown) => (room as { core: { limits: Limits } }).core.limits;

/**
 * A socket write the room fails to carry out (an exception, not a refusal) is answered with an
 * `error` frame under its id at once, as REST answers 500: without it the frame got no answer at
 * all, and a page learnt of it only from its own clock (client/embed/hub.ts, 10 s), a client
 * without one never.
 */
describe("a socket write the room fails on", () => {
  it("gets an internal error under its id, and the socket writes again afterwards", async () => {
    const target = uniqueTarget("stream");
    const socket = await LiveSocket.open(target, { token: await tokenFor(uniqueUser("writer")) });
    await socket.next("hello", () => true, 15_000);
    let restore: Limits["takeWrite"] | undefined;
    await runInDurableObject(roomStub(target), (room) => {
      const limits = limitsOf(room);
      restore = limits.takeWrite.bind(limits);
      limits.takeWrite = () => Promise.reject(new Error("injected: the rate limiter is unreachable"));
    });

    for (const frame of [
      { type: "comment", id: "failing-comment", text: "never stored" },
      { type: "like", id: "failing-like" },
      { type: "react", id: "failing-react", emoji: "wow", action: "add" },
    ]) {
      socket.send(frame);
      const error = await socket.next("error", (f) => f.id === frame.id, 5_000);
      expect(error.error).toEqual({ code: "internal", message: "internal error" });
    }

    await runInDurableObject(roomStub(target), (room) => {
      if (restore !== undefined) limitsOf(room).takeWrite = restore;
    });
    // The same id again: the failed attempt stored nothing, so the retry posts it.
    socket.send({ type: "comment", id: "failing-comment", text: "stored on the retry" });
    const ack = await socket.next("ack", (f) => f.id === "failing-comment", 5_000);
    expect(ack.comment?.text).toBe("stored on the retry");
    socket.close();
  });
});
