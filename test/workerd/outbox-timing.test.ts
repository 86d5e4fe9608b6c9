import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AlarmJobs } from "../../durable-objects/alarm-jobs";
import { RoomMeta } from "../../durable-objects/room-meta";
import { migrateRoomSchema } from "../../durable-objects/room-migrations";
import { RoomSeq } from "../../durable-objects/room-seq";
import { OUTBOX_DELAY_MS, WRITE_JOBS, WritePath } from "../../durable-objects/write-path/write-path";
import { roomStub, uniqueTarget } from "./helpers";

/**
 * When the write path asks for the outbox's send (durable-objects/write-path/write-path.ts):
 * at once for the first write after a quiet spell, then at most once per OUTBOX_DELAY_MS. A
 * like's queue work (the send, the consumer, the user objects) then runs right after its
 * broadcast, not under the next like's, and a burst still leaves in few sends.
 */
describe("the outbox send a commit asks for", () => {
  it("is due at once after a quiet spell, and at most once per OUTBOX_DELAY_MS during a burst", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      migrateRoomSchema(state.storage.sql);
      const t0 = Date.now() + 3_600_000;
      let clock = t0;
      const now = () => clock;
      const jobs = new AlarmJobs(state.storage, () => undefined, now);
      let sends = 0;
      jobs.register(WRITE_JOBS.outbox, async () => {
        sends++;
        return null;
      });
      const seq = new RoomSeq(new RoomMeta(state.storage.sql));
      const writes = new WritePath({ storage: state.storage, seq, jobs, rollBack: () => undefined }, now);
      const write = async (at: number) => {
        clock = at;
        await writes.commit((log) => log.touch());
      };
      const due = () => state.storage.sql.exec<{ due_at: number }>("SELECT due_at FROM alarm_jobs WHERE name = ?", WRITE_JOBS.outbox).toArray()[0]?.due_at ?? null;
      // A job the alarm has taken (sent) is gone from the table; the alarm is run by hand here.
      const send = async () => {
        await jobs.runDue();
        expect(due()).toBeNull();
      };

      await write(t0);
      expect(due()).toBe(t0);
      await send();
      // Within OUTBOX_DELAY_MS of the last send: the next one waits for its turn, and carries
      // every write until then.
      await write(t0 + 10);
      expect(due()).toBe(t0 + OUTBOX_DELAY_MS);
      await write(t0 + 20);
      expect(due()).toBe(t0 + OUTBOX_DELAY_MS);
      clock = t0 + OUTBOX_DELAY_MS;
      await send();
      await write(t0 + OUTBOX_DELAY_MS + 30);
      expect(due()).toBe(t0 + 2 * OUTBOX_DELAY_MS);
      clock = t0 + 2 * OUTBOX_DELAY_MS;
      await send();
      // A quiet spell: at once again.
      await write(t0 + 5_000);
      expect(due()).toBe(t0 + 5_000);
      await send();
      expect(sends).toBe(4);
      await state.storage.deleteAlarm();
    });
  });
});
