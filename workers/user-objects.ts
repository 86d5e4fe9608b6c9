import type { AppEnv } from "../platform/env";

/** The user's own object (durable-objects/users/user-state.ts): their index, quotas and deletion mark. */
export function userIndexFor(env: AppEnv, userId: string) {
  return env.USER_STATE.get(env.USER_STATE.idFromName(userId));
}
