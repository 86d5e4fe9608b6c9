import type { AppEnv } from "./env";

/** Every target is served by exactly one TargetRoom, addressed by its name. */
export function roomFor(env: AppEnv, target: string) {
  return env.TARGET_ROOM.get(env.TARGET_ROOM.idFromName(target));
}
