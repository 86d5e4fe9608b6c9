import { z } from "zod";

/**
 * The answer of `GET /v1/dev/metering` (development only, workers/dev-metering.ts), read by
 * `npm run simulate` and its tests.
 */
export const MeteringResponse = z.object({
  /** False unless the server runs with DEV_METERING=on (then there are no counters). */
  installed: z.boolean(),
  /** New each time the runtime starts: a reader comparing two answers can tell a restart from a quiet spell. */
  isolate: z.string().nullable(),
  since: z.string().nullable(),
  /** `origin/kind/binding[.method]` -> total since `since`; origin is "worker" or an object's class. */
  counters: z.record(z.string(), z.number().int().nonnegative()),
});
export type MeteringResponse = z.infer<typeof MeteringResponse>;
