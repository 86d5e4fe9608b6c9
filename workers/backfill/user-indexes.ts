import { z } from "zod";
import type { BackfillRequest, UserIndexBackfillStep } from "../../protocol/backfill";
import { TargetId, UserId } from "../../protocol/target";
import { decodeCursor, encodeCursor } from "../cursor";
import type { AppEnv } from "../../platform/env";
import { ApiError } from "../errors";
import { logEvent } from "../../platform/log";
import { repairTargetIndexes, repairTargetTouches } from "../user-index-repair";

export const BACKFILL_DEFAULT_TARGETS = 20;
/**
 * User objects one step asks at most: each is a subrequest (Workers Paid allows 10,000 per
 * invocation, 50 on Free), so a step stays well inside it with the rooms' reads on top.
 */
export const BACKFILL_USERS_PER_STEP = 500;

/** `after`: the last target finished; `at`: a target started but cut short by the user budget. */
const Cursor = z.strictObject({
  after: z.string().nullable(),
  at: z
    .strictObject({
      target: TargetId,
      /** Likes first (holder by holder), then the room's other touches. */
      phase: z.enum(["likes", "touches"]),
      holder: z.number().int().nonnegative(),
      afterUserId: UserId.nullable(),
    })
    .nullable(),
});
type Cursor = z.infer<typeof Cursor>;

/**
 * Rebuilds users' own indexes from the rooms (and their like shards), for a deployment that
 * kept likes and comments in D1 before issue 17: every liker's entry, then the targets where a
 * user commented, reacted or is named in moderation. D1 only names the targets: the legacy
 * `target_counts`, `user_likes` and `comments`, one query per step (D1 allows 1,000 per Worker invocation on Workers Paid,
 * 50 on Free); the likers and versions come from the rooms, which carry seq, and each user's
 * object keeps an entry only when it is older (workers/user-index-repair.ts). So a step is
 * idempotent, a rerun changes nothing, and live writes during the backfill are never undone.
 */
export async function backfillUserIndexes(
  env: AppEnv,
  request: BackfillRequest,
  /** The route always uses the default; tests make it small to cut targets mid-way. */
  usersPerStep = BACKFILL_USERS_PER_STEP,
): Promise<UserIndexBackfillStep> {
  const from = request.cursor === undefined ? { after: null, at: null } : decodeCursor(request.cursor, Cursor);
  if (from === null) throw new ApiError(400, "invalid_request", "cursor is not one this route handed out");
  const limit = request.limit ?? BACKFILL_DEFAULT_TARGETS;
  const listed = await legacyTargets(env.DB, from.after, limit);
  const step = { targetsVisited: 0, usersChecked: 0, usersUpdated: 0, touchesUpdated: 0, forgotten: 0, failed: 0 };
  let after = from.after;
  for (const [i, target] of listed.entries()) {
    // A name no room can have (the legacy tables were not validated) is passed over.
    if (TargetId.safeParse(target).success) {
      const resume = from.at?.target === target ? from.at : null;
      step.targetsVisited++;
      if (resume?.phase !== "touches") {
        const repair = await repairTargetIndexes(env, target, {
          from: resume === null ? undefined : { holder: resume.holder, afterUserId: resume.afterUserId },
          maxUsers: usersPerStep - step.usersChecked,
        });
        step.usersChecked += repair.usersChecked;
        step.usersUpdated += repair.repaired;
        step.forgotten += repair.forgotten;
        step.failed += repair.failed;
        if (repair.next !== null) return finish(step, { after, at: { target, phase: "likes", ...repair.next } });
      }
      const touches = await repairTargetTouches(env, target, {
        afterUserId: resume?.phase === "touches" ? resume.afterUserId : null,
        maxUsers: usersPerStep - step.usersChecked,
      });
      step.usersChecked += touches.usersChecked;
      step.touchesUpdated += touches.stored;
      step.forgotten += touches.forgotten;
      step.failed += touches.failed;
      if (touches.next !== null) return finish(step, { after, at: { target, phase: "touches", holder: 0, afterUserId: touches.next.afterUserId } });
    }
    after = target;
    if (step.usersChecked >= usersPerStep && i < listed.length - 1) return finish(step, { after, at: null });
  }
  return finish(step, listed.length < limit ? null : { after, at: null });
}

function finish(step: Omit<UserIndexBackfillStep, "done" | "nextCursor">, next: Cursor | null): UserIndexBackfillStep {
  logEvent("backfill_user_indexes", { ...step, done: next === null });
  return { done: next === null, nextCursor: next === null ? null : encodeCursor(next), ...step };
}

/**
 * The next targets the legacy tables name, in name order after `after`: one query, each arm
 * read along its target index (`target_counts` primary key, `user_likes_by_target`,
 * `comments_by_thread`).
 */
async function legacyTargets(d1: D1Database, after: string | null, limit: number): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT target FROM target_counts WHERE target > ?1
       UNION
       SELECT target FROM user_likes WHERE target > ?1
       UNION
       SELECT target FROM comments WHERE target > ?1
       ORDER BY target LIMIT ?2`,
    )
    .bind(after ?? "", limit)
    .all<{ target: string }>();
  return results.map((row) => row.target);
}
