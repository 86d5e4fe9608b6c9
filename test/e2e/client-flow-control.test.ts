import { afterEach, describe, expect, inject, it } from "vitest";
import { connect, createRestClient, type LiveConnection } from "../../client/index";
import { e2eToken, eventually, uniqueTarget, uniqueUser } from "./secret";

/**
 * The SDK's side of the socket contract of protocol 2 (docs/realtime.md): it proves reading
 * by answering every `mark`, so a client that keeps up is never switched to counts-only, and
 * it sends U+FFFD escaped, so the room never takes it for invalid UTF-8.
 */

const baseUrl = inject("baseUrl");
const open: LiveConnection[] = [];

afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

describe("client SDK flow control against wrangler dev", () => {
  it("answers marks, so a reader that keeps up ends in full mode after 80 KiB of comments", { timeout: 60_000 }, async () => {
    const target = uniqueTarget().replace(/^post:/, "stream:");
    const modes: string[] = [];
    const texts: string[] = [];
    const live = connect(target, {
      baseUrl,
      onMode: (mode) => modes.push(mode),
      onEvent: (frame) => {
        if (frame.event.kind === "comment") texts.push(frame.event.comment.text);
      },
    });
    open.push(live);
    await eventually(() => live.status === "open" && live.state.seq !== null, 5_000, "hello");
    // 12 writers x 10 comments of ~500 characters: more than the 64 KiB a socket may leave unread.
    const writers = Array.from({ length: 12 }, () => createRestClient({ baseUrl, token: () => e2eToken(uniqueUser()) }));
    await Promise.all(writers.flatMap((writer, w) => Array.from({ length: 10 }, (_, i) => writer.postComment(target, `${i}-${w} ${"x".repeat(490)}`))));
    await eventually(() => texts.length === 120, 15_000, "every comment live");
    // Longer than the 2 s a socket may stay above the high-water mark, then a broadcast that would switch it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await writers[0]!.postComment(target, "after the pause");
    await eventually(() => texts.includes("after the pause"), 5_000, "the last comment live");
    // On a loaded machine the room can run a burst's broadcasts ahead of the answers queued
    // behind them and switch even a reader that keeps up; what marks guarantee is the way back:
    // a client that never answered them would stay in counts-only for good.
    expect(modes.filter((mode) => mode !== "full").length).toBeLessThanOrEqual(1);
    expect(modes.at(-1) ?? "full").toBe("full");
    expect(live.state.mode).toBe("full");
  });

  it("sends U+FFFD escaped: a comment holding it is stored as written and the socket stays open", async () => {
    const target = uniqueTarget().replace(/^post:/, "stream:");
    const user = uniqueUser();
    const statuses: string[] = [];
    const live = connect(target, { baseUrl, token: () => e2eToken(user), onStatus: (status) => statuses.push(status) });
    open.push(live);
    const text = "a replacement character \uFFFD in the middle";
    await expect(live.comment(text)).resolves.toMatchObject({ text });
    await expect(live.like()).resolves.toMatchObject({ liked: true });
    expect(statuses).not.toContain("reconnecting");
  });
});
