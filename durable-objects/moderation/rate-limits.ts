import { z } from "zod";

export interface RateLimits {
  commentsPerMinute: number;
  /** Likes and reactions share one budget: both are one tap. */
  reactionsPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { commentsPerMinute: 10, reactionsPerMinute: 100 };

const PerMinute = z.coerce.number().int().min(1).max(1_000_000);

/** Vars are strings; a missing or unreadable one falls back to the default instead of failing every write. */
export function rateLimitsFrom(vars: { COMMENT_RATE_PER_MINUTE?: string; REACTION_RATE_PER_MINUTE?: string }): RateLimits {
  return {
    commentsPerMinute: perMinute(vars.COMMENT_RATE_PER_MINUTE, DEFAULT_RATE_LIMITS.commentsPerMinute),
    reactionsPerMinute: perMinute(vars.REACTION_RATE_PER_MINUTE, DEFAULT_RATE_LIMITS.reactionsPerMinute),
  };
}

function perMinute(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = PerMinute.safeParse(value);
  return parsed.success ? parsed.data : fallback;
}
