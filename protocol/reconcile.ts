import { z } from "zod";
import { TargetId } from "./target";

export const ReconcileDrift = z.object({
  target: TargetId,
  /** Legacy like rows for the target in D1 `user_likes` (no longer written since issue 17). */
  indexed: z.number().int().nonnegative(),
  /** The legacy count in D1 `target_counts`, no longer written since issue 17 (null: no row). */
  counted: z.number().int().nonnegative().nullable(),
  /** The room's exact count when asked, null when the room could not be asked. */
  truth: z.number().int().nonnegative().nullable(),
  repaired: z.boolean(),
  reason: z.string().optional(),
});
export type ReconcileDrift = z.infer<typeof ReconcileDrift>;

export const ReconcileReport = z.object({
  id: z.number().int(),
  trigger: z.enum(["cron", "admin"]),
  startedAt: z.string(),
  finishedAt: z.string(),
  targetsChecked: z.number().int().nonnegative(),
  driftsFound: z.number().int().nonnegative(),
  repaired: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** False when the run stopped at its budget; the next run continues where it stopped. */
  complete: z.boolean(),
  drifts: z.array(ReconcileDrift),
});
export type ReconcileReport = z.infer<typeof ReconcileReport>;
