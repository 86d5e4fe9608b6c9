import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AlarmJobs } from "../../durable-objects/alarm-jobs";
import { migrateRoomSchema } from "../../durable-objects/room-migrations";
import { roomStub, uniqueTarget } from "./helpers";

function jobsIn(state: DurableObjectState, errors: string[] = []) {
  // A room gets its schema (alarm_jobs included) with its first write; these rooms get it here.
  migrateRoomSchema(state.storage.sql);
  return new AlarmJobs(state.storage, (job, error) => errors.push(`${job}: ${String(error)}`));
}

function dueTimes(state: DurableObjectState) {
  return state.storage.sql.exec<{ name: string; due_at: number }>("SELECT name, due_at FROM alarm_jobs ORDER BY name").toArray();
}

describe("multiplexed alarm jobs", () => {
  it("arms the alarm for the earliest job and keeps the earlier due time", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      const jobs = jobsIn(state);
      const now = Date.now();
      await jobs.schedule("late", now + 60_000);
      await jobs.schedule("early", now + 10_000);
      await jobs.schedule("early", now + 30_000);
      expect(await state.storage.getAlarm()).toBe(now + 10_000);
      expect(dueTimes(state)).toEqual([
        { name: "early", due_at: now + 10_000 },
        { name: "late", due_at: now + 60_000 },
      ]);
    });
  });

  it("runs a job that was scheduled again during its own run once more", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      const jobs = jobsIn(state);
      let runs = 0;
      jobs.register("checkpoint", async () => {
        runs++;
        if (runs === 1) await jobs.schedule("checkpoint", Date.now() + 500);
        return null;
      });
      await jobs.schedule("checkpoint", Date.now());
      await jobs.runDue();
      expect(runs).toBe(1);
      expect(dueTimes(state)).toHaveLength(1);
      await jobs.runDue();
      expect(runs).toBe(2);
      expect(dueTimes(state)).toHaveLength(0);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("backs off a failing job without blocking the others", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      const errors: string[] = [];
      const jobs = jobsIn(state, errors);
      let healthyRuns = 0;
      jobs.register("broken", async () => {
        throw new Error("D1 unavailable");
      });
      jobs.register("healthy", async () => {
        healthyRuns++;
        return null;
      });
      const before = Date.now();
      await jobs.schedule("broken", before);
      await jobs.schedule("healthy", before);
      await jobs.runDue();
      expect(healthyRuns).toBe(1);
      expect(errors).toEqual(["broken: Error: D1 unavailable"]);
      const [broken] = dueTimes(state);
      expect(broken?.name).toBe("broken");
      expect(broken!.due_at).toBeGreaterThanOrEqual(before + 1_000);
      expect(jobs.failureCount("broken")).toBe(1);
      expect(await state.storage.getAlarm()).toBe(broken!.due_at);
    });
  });

  it("leaves jobs that are not due yet for later", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      const jobs = jobsIn(state);
      let ran = false;
      jobs.register("sweep", async () => {
        ran = true;
        return null;
      });
      await jobs.schedule("sweep", Date.now() + 60 * 60 * 1000);
      await jobs.runDue();
      expect(ran).toBe(false);
      expect(dueTimes(state)).toHaveLength(1);
    });
  });

  it("stores and arms a job again when it is scheduled after its alarm ran it", async () => {
    await runInDurableObject(roomStub(uniqueTarget()), async (_room, state) => {
      const jobs = jobsIn(state);
      let runs = 0;
      jobs.register("outbox", async () => {
        runs++;
        return null;
      });
      await jobs.schedule("outbox", Date.now());
      // Already due sooner: this one changes nothing in storage.
      await jobs.schedule("outbox", Date.now() + 60_000);
      await jobs.runDue();
      expect(runs).toBe(1);
      expect(dueTimes(state)).toHaveLength(0);

      const again = Date.now() + 60_000;
      await jobs.schedule("outbox", again);
      expect(dueTimes(state)).toEqual([{ name: "outbox", due_at: again }]);
      expect(await state.storage.getAlarm()).toBe(again);
    });
  });
});
