import { relayName } from "../../protocol/internal/relay-rpc";
import type { AppEnv } from "../../platform/env";

/** Relay k of a target, addressed by name like the room and its shards. */
export function relayStub(env: AppEnv, target: string, k: number) {
  return env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, k)));
}
