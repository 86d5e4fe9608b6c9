import type { RoomError } from "../../protocol/internal/room-rpc";
import type { AppEnv } from "../../platform/env";
import { z } from "zod";

/**
 * Per-user limits across rooms (docs/operations.md "Limits"). A room knows its own users
 * exactly (durable-objects/moderation/room-policy.ts); these bound what one user does
 * everywhere:
 * - writes (likes, comments, reactions, from REST and sockets) and moderation writes, per
 *   short period: the Workers Rate Limiting bindings USER_WRITES and MODERATION_WRITES, keyed
 *   by user id; approximate and per Cloudflare location, which is what a rate needs;
 * - rooms first written and targets registered, per rolling day: counted exactly by the user's
 *   UserState object, asked only when a write would create a room or register a target.
 * Every check runs after the idempotency lookup: a repeated Idempotency-Key gets its first
 * answer, whatever the limits say now, and uses no budget.
 */
export const DEFAULT_USER_QUOTAS = { newRoomsPerDay: 200, registrationsPerDay: 20 };

/** Periods of the bindings in wrangler.toml (`[[ratelimits]]`): a refusal can be over by then. */
export const USER_WRITES_PERIOD_SECONDS = 60;
export const MODERATION_WRITES_PERIOD_SECONDS = 60;

const Quota = z.coerce.number().int().min(0).max(1_000_000);

function quota(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  return Quota.safeParse(value).data ?? fallback;
}

export class UserLimits {
  constructor(private readonly env: AppEnv) {}

  /** One write (like, comment, reaction) of `userId`, wherever it lands. */
  takeWrite(userId: string): Promise<RoomError | null> {
    return this.take(this.env.USER_WRITES, userId, USER_WRITES_PERIOD_SECONDS, "writes");
  }

  /** One moderation write (settings, bans, moderators, members, pins, highlights, registration). */
  takeModerationWrite(userId: string): Promise<RoomError | null> {
    return this.take(this.env.MODERATION_WRITES, userId, MODERATION_WRITES_PERIOD_SECONDS, "moderation writes");
  }

  /** `userId`'s write is the first `target`'s room will store. */
  admitNewRoom(userId: string, target: string): Promise<RoomError | null> {
    return this.admit(userId, target, "room", quota(this.env.USER_NEW_ROOMS_PER_DAY, DEFAULT_USER_QUOTAS.newRoomsPerDay), "new targets written");
  }

  /** `userId` registers `target`, which nobody owned. */
  admitRegistration(userId: string, target: string): Promise<RoomError | null> {
    return this.admit(userId, target, "registration", quota(this.env.USER_REGISTRATIONS_PER_DAY, DEFAULT_USER_QUOTAS.registrationsPerDay), "targets registered");
  }

  private async take(limiter: RateLimit | undefined, userId: string, periodSeconds: number, what: string): Promise<RoomError | null> {
    if (limiter === undefined) return null;
    const { success } = await limiter.limit({ key: userId });
    if (success) return null;
    return { status: 429, code: "rate_limited", message: `too many ${what} across targets; retry in ${periodSeconds} s`, retryAfterSeconds: periodSeconds };
  }

  private async admit(userId: string, target: string, kind: "room" | "registration", perDay: number, what: string): Promise<RoomError | null> {
    const state = this.env.USER_STATE.get(this.env.USER_STATE.idFromName(userId));
    const admission = await state.admit({ userId, target, kind, perDay });
    if (admission.ok) return null;
    return {
      status: 429,
      code: "quota_exceeded",
      message: `at most ${perDay} ${what} per day; retry in ${admission.retryAfterSeconds} s`,
      retryAfterSeconds: admission.retryAfterSeconds,
    };
  }
}
