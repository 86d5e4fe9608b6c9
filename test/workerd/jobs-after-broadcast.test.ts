import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BROADCAST_SLICE } from "../../durable-objects/room-sockets";
import type { RoomCore } from "../../durable-objects/room/room-core";
import type { TargetRoom } from "../../durable-objects/target-room";
import { like, roomStub, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";

/** More sockets than one slice: a broadcast takes several turns of the event loop. */
const VIEWERS = 2 * BROADCAST_SLICE + 20;

async function openViewers(target: string, n: number): Promise<LiveSocket[]> {
  const sockets: LiveSocket[] = [];
  for (let i = 0; i < n; i += 50) sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => LiveSocket.open(target)))));
  await Promise.all(sockets.map((socket) => socket.next("hello")));
  return sockets;
}

/** The room's own parts: the probe job below must sit in the room's real job list. */
function coreOf(room: TargetRoom): RoomCore {
  return (room as unknown as { core: RoomCore }).core;
}

describe("the room's background jobs and its broadcasts", () => {
  it("runs due jobs after the last slice of the broadcast in flight, not between its slices", { timeout: 60_000 }, async () => {
    const target = uniqueTarget("stream");
    // The room is stored (it has an alarm to run) before the viewers join.
    await like(target, uniqueUser("first"));
    const viewers = await openViewers(target, VIEWERS);
    let framesWhenJobRan: number | null = null;
    const seq = await runInDurableObject(roomStub(target), async (room: TargetRoom) => {
      const core = coreOf(room);
      core.jobs.register("probe", async () => {
        framesWhenJobRan = (await room.metrics(target)).frames.sent;
        return null;
      });
      // The like's broadcast sends its first slice now and the rest (events, then the count) in later turns.
      const [outcome] = await room.applyLikes({ target, ops: [{ userId: uniqueUser("liker"), action: "like" }], unlimited: true });
      if (!outcome?.ok) throw new Error("the like was refused");
      await core.jobs.schedule("probe", Date.now());
      await room.alarm();
      return outcome.result.seq;
    });
    await Promise.all(viewers.map((socket) => socket.next("count", (frame) => frame.seq === seq, 10_000)));
    const framesInTheEnd = (await roomStub(target).metrics(target)).frames.sent;
    // Event and count frames to every viewer had gone out when the job ran.
    expect(framesWhenJobRan).toBe(framesInTheEnd);
    for (const socket of viewers) socket.close();
  });
});
