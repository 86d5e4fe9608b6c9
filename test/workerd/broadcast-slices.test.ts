import { describe, expect, it } from "vitest";
import { BROADCAST_SLICE } from "../../durable-objects/room-sockets";
import { comment } from "./comment-helpers";
import { eventually, like, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";

/** More sockets than one slice, so broadcasts are sent in several turns of the event loop. */
const VIEWERS = BROADCAST_SLICE + 44;

async function openViewers(target: string, n: number): Promise<LiveSocket[]> {
  const sockets: LiveSocket[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => LiveSocket.open(target)));
    sockets.push(...batch);
  }
  await Promise.all(sockets.map((socket) => socket.next("hello")));
  return sockets;
}

function eventSeqs(socket: LiveSocket): number[] {
  return socket.of("event").map((frame) => frame.seq);
}

describe("broadcasts to rooms larger than one slice", () => {
  it("reaches every socket with every event in seq order and the exact final count", async () => {
    const target = uniqueTarget("stream");
    const viewers = await openViewers(target, VIEWERS);
    // Comments and likes interleaved and concurrent: several broadcasts queue behind each other.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      writes.push(comment(target, uniqueUser("author"), `message ${i}`));
      writes.push(like(target, uniqueUser("liker")));
      writes.push(like(target, uniqueUser("liker")));
    }
    await Promise.all(writes);
    const lastSeq = 18;

    for (const socket of viewers) {
      await socket.next("count", (frame) => frame.seq === lastSeq, 10_000);
      const seqs = eventSeqs(socket);
      expect(seqs).toHaveLength(6);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(6);
      // Counts only ever move forward on each socket, ending exact.
      const counts = socket.of("count");
      expect(counts.map((frame) => frame.seq)).toEqual([...counts.map((frame) => frame.seq)].sort((a, b) => a - b));
      expect(counts.at(-1)).toEqual({ type: "count", count: 12, seq: lastSeq });
    }
    expect(new Set(viewers.map((socket) => JSON.stringify(eventSeqs(socket)))).size).toBe(1);
    for (const socket of viewers) socket.close();
  });

  it("gives a socket that joins while a broadcast is still being sent only events after its hello, once each", async () => {
    const target = uniqueTarget("stream");
    const viewers = await openViewers(target, VIEWERS);
    const posting = Promise.all(Array.from({ length: 4 }, (_, i) => comment(target, uniqueUser("author"), `during join ${i}`)));
    const joiner = await LiveSocket.open(target);
    const hello = await joiner.next("hello");
    await posting;
    await eventually(async () => {
      const seqs = eventSeqs(joiner);
      if (seqs.length < 4 - hello.seq) throw new Error(`joiner has ${seqs.length} events so far`);
      return seqs;
    }, 10_000);
    await joiner.quiet(200);
    const seqs = eventSeqs(joiner);
    expect(seqs.every((seq) => seq > hello.seq)).toBe(true);
    expect(seqs).toEqual(Array.from({ length: 4 - hello.seq }, (_, i) => hello.seq + 1 + i));
    for (const socket of [...viewers, joiner]) socket.close();
  });
});
