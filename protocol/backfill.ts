import { z } from "zod";

/**
 * `POST /v1/admin/backfill/<job>` (workers/routes/backfill.ts): one bounded step of a resumable
 * backfill. Call again with `nextCursor` until `done`; a rerun from the start is harmless.
 */
export const BackfillRequest = z.strictObject({
  /** Where the previous step stopped; absent: from the start. Opaque. */
  cursor: z.string().min(1).max(2_000).optional(),
  /** Targets to list from D1 in this step (1..100, default 20). */
  limit: z.number().int().min(1).max(100).optional(),
});
export type BackfillRequest = z.infer<typeof BackfillRequest>;

export const UserIndexBackfillStep = z.object({
  done: z.boolean(),
  /** Pass to the next step; null when done. */
  nextCursor: z.string().nullable(),
  /** Targets whose holders this step read (a target cut short by the step's user budget counts too). */
  targetsVisited: z.number().int().nonnegative(),
  /** Users' index entries compared with the rooms. */
  usersChecked: z.number().int().nonnegative(),
  /** Like entries written from the rooms (0 on a rerun over rebuilt indexes). */
  usersUpdated: z.number().int().nonnegative(),
  /** `touched_targets` entries written: targets where a user commented, reacted or is named in moderation. */
  touchesUpdated: z.number().int().nonnegative(),
  /** Likes or touches from before their user's deletion: not written (a like's room is asked to forget it). */
  forgotten: z.number().int().nonnegative(),
  /** User objects or rooms that did not answer: rerun from the same cursor (idempotent). */
  failed: z.number().int().nonnegative(),
});
export type UserIndexBackfillStep = z.infer<typeof UserIndexBackfillStep>;
