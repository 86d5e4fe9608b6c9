import { z } from "zod";

export const TARGET_KINDS = ["post", "game", "stream", "comment"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

import { TARGET_PATTERN } from "./wire-constants";

/** A target id is `kind:id`; one target maps to exactly one Durable Object. */
export const TargetId = z
  .string()
  .regex(TARGET_PATTERN, "target must be kind:id, kind one of post|game|stream|comment, id [A-Za-z0-9_-]{1,64}");
export type TargetId = z.infer<typeof TargetId>;

/** User ids come from token subjects; bounded so they stay cheap as SQLite keys. */
export const UserId = z.string().min(1).max(128);
export type UserId = z.infer<typeof UserId>;
