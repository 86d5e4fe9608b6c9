import { env, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll } from "vitest";

const SOON_MS = 5_000;
const QUEUE_FLUSH_MS = 1_500;

/**
 * Runs every room's near-due alarm jobs (outbox, archive, reports) before a test file ends and
 * gives the queue time to deliver: a file that ends with alarms and deliveries in flight
 * can leave the workerd pool hanging at teardown.
 */
afterAll(async () => {
  const ids = await listDurableObjectIds(env.TARGET_ROOM);
  for (let round = 0; round < 5; round++) {
    let busy = 0;
    for (const id of ids) {
      const stub = env.TARGET_ROOM.get(id);
      const dueSoon = await runInDurableObject(stub, (_room, state) => {
        const row = state.storage.sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'alarm_jobs'")
          .one();
        if (row.n === 0) return 0;
        return state.storage.sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM alarm_jobs WHERE due_at < ?", Date.now() + SOON_MS)
          .one().n;
      });
      if (dueSoon > 0) {
        busy++;
        await runDurableObjectAlarm(stub);
      }
    }
    if (busy === 0) break;
  }
  await new Promise((resolve) => setTimeout(resolve, QUEUE_FLUSH_MS));
}, 120_000);
