import { logEvent } from "../../platform/log";
import type { AlarmJobRunner } from "../alarm-jobs";
import { ANALYTICS_REPORT_JOB } from "../analytics/series-reporter";
import { sendUserRefs, USER_REFS_JOB } from "../moderation/user-ref-sender";
import { ROOM_PRODUCER, shipOutbox } from "../outbox";
import { TICKET_SWEEP_JOB } from "../used-tickets";
import { sweepIdempotencyKeys, WRITE_JOBS } from "../write-path/write-path";
import type { RoomCore } from "./room-core";

/**
 * The room's alarm jobs, declared in one place. Only a stored room ever sets an alarm, so
 * every runner may ask for the stored parts. `own` adds the jobs of a corridor (comments,
 * shards) and what a job needs from one (a user's erasure).
 */
export function registerRoomJobs(
  core: RoomCore,
  own: { forgetUser(target: string, userId: string): Promise<unknown>; jobs: Record<string, AlarmJobRunner> },
): void {
  const { jobs, observed, counters } = core;
  // The backlog report runs after failed sends too: that is when a backlog starts.
  jobs.register(
    WRITE_JOBS.outbox,
    observed.wrap(WRITE_JOBS.outbox, () => runOutbox(core), { ...counters.outboxHooks(), after: () => reportOutboxBacklog(core) }),
  );
  jobs.register(WRITE_JOBS.idempotencySweep, sweepIdempotencyKeys(() => core.parts().writes.idempotencyKeys));
  jobs.register(TICKET_SWEEP_JOB, async () => core.parts().usedTickets.sweep(Date.now()));
  jobs.register(ANALYTICS_REPORT_JOB, async () => {
    const target = core.targetOrNull;
    return target === null ? null : core.parts().seriesReporter.run(target, Date.now());
  });
  jobs.register(USER_REFS_JOB, () => runUserRefs(core, own.forgetUser));
  for (const [name, runner] of Object.entries(own.jobs)) jobs.register(name, runner);
}

async function runOutbox(core: RoomCore): Promise<number | null> {
  const { sent, events, more } = await shipOutbox(core.env.EVENTS, core.parts().sql, ROOM_PRODUCER);
  core.counters.outboxShipped(events);
  if (sent > 0) {
    logEvent("outbox_sent", { target: core.targetOrNull, events, messages: sent, more, requestIds: core.observed.requestIds(WRITE_JOBS.outbox) });
  }
  return more ? Date.now() : null;
}

/** Never fails the outbox job: the backlog report is a view, the send is what matters. */
async function reportOutboxBacklog(core: RoomCore): Promise<void> {
  const target = core.targetOrNull;
  if (target === null) return;
  try {
    const { backlog, reported } = await core.parts().backlogReporter.report(target);
    if (reported) logEvent("outbox_backlog", { target, events: backlog.events, oldestAt: backlog.oldestAt });
  } catch (error) {
    logEvent("outbox_backlog_report_failed", { target, error: String(error) });
  }
}

/** Tells users' objects which rooms name them in moderation; a refusal means "deleted since". */
async function runUserRefs(core: RoomCore, forgetUser: (target: string, userId: string) => Promise<unknown>): Promise<number | null> {
  const target = core.targetOrNull;
  if (target === null) return null;
  const { more, forgotten } = await sendUserRefs(core.env, core.ctx.storage.sql, target);
  for (const userId of forgotten) await forgetUser(target, userId);
  if (forgotten.length > 0) logEvent("user_refs_forgotten", { target, users: forgotten.length });
  return more ? Date.now() : null;
}
