import { z } from "zod";
import { TargetId } from "./target";

/**
 * One sampled target whose users' indexes disagreed with its rooms (or could not all be
 * checked). Since issue 17 reconciliation compares users' own indexes with the rooms;
 * `indexed`/`counted` keep their names from the D1 comparison it replaced.
 */
export const ReconcileDrift = z.object({
  target: TargetId,
  /** Checked users whose own index said they like the target, before the repair. */
  indexed: z.number().int().nonnegative(),
  /** Always null since issue 17: the legacy D1 `target_counts` is no longer read. */
  counted: z.number().int().nonnegative().nullable(),
  /** The room's exact count when asked, null when the room could not be asked. */
  truth: z.number().int().nonnegative().nullable(),
  /** Every entry found wrong was repaired and every user checked. */
  repaired: z.boolean(),
  reason: z.string().optional(),
  /** Users checked: the target's likers and the users its holders saw unlike lately. */
  usersChecked: z.number().int().nonnegative().optional(),
  /** Likers whose index lacked the like (or held a different one). */
  missing: z.number().int().nonnegative().optional(),
  /** Users whose index said "liked" where the room says they unliked. */
  stale: z.number().int().nonnegative().optional(),
  /** Likes from before the liker's deletion, which the room was asked to forget instead. */
  forgotten: z.number().int().nonnegative().optional(),
  /** Users whose index lacked the target where the room names them for a comment, reaction or role; filed again. */
  touchesMissing: z.number().int().nonnegative().optional(),
});
export type ReconcileDrift = z.infer<typeof ReconcileDrift>;

/** Optional body of `POST /v1/admin/reconcile`: check these targets instead of the next sample. */
export const ReconcileRequest = z.strictObject({
  targets: z.array(TargetId).min(1).max(100).optional(),
});
export type ReconcileRequest = z.infer<typeof ReconcileRequest>;

export const ReconcileReport = z.object({
  id: z.number().int(),
  trigger: z.enum(["cron", "admin"]),
  startedAt: z.string(),
  finishedAt: z.string(),
  targetsChecked: z.number().int().nonnegative(),
  /** Targets with at least one user-index entry found wrong, or not fully checked. */
  driftsFound: z.number().int().nonnegative(),
  repaired: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /**
   * False when the run stopped at its budget; the next run continues where it stopped. A run
   * over explicit `targets` is complete when it checked them all.
   */
  complete: z.boolean(),
  drifts: z.array(ReconcileDrift),
  /** Users' index entries compared with the rooms (0 in runs from before issue 17). */
  usersChecked: z.number().int().nonnegative(),
  /** Entries found disagreeing with the rooms. */
  usersDrifted: z.number().int().nonnegative(),
  /** Entries repaired from the rooms. */
  usersRepaired: z.number().int().nonnegative(),
  /** Comment, reaction and role entries filed again from the rooms (0 in runs before they were sampled). */
  touchesRepaired: z.number().int().nonnegative(),
});
export type ReconcileReport = z.infer<typeof ReconcileReport>;
