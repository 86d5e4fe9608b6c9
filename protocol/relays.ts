import { z } from "zod";
import { TargetId } from "./target";

/**
 * Relay fan-out for huge rooms (docs/relays.md): above a threshold of viewers, a room hands
 * new live sockets to LiveRelay objects and pushes every frame it publishes to them. This file
 * holds the admin routes' bodies; what the room and its relays say to each other is
 * protocol/internal/relay-rpc.ts.
 */

/** Room sockets a target keeps before new viewers go to relays (LIVE_RELAY_THRESHOLD overrides). */
export const DEFAULT_RELAY_THRESHOLD = 2_000;
/** Sockets per relay before the room opens another one. */
export const DEFAULT_SOCKETS_PER_RELAY = 2_000;
/** The hibernation API's limit of sockets per object. */
export const MAX_SOCKETS_PER_OBJECT = 32_768;

export const RelaySettings = z.strictObject({
  /** Room sockets first; the next viewer goes to a relay. 0: every viewer goes to a relay. */
  threshold: z.number().int().min(0).max(MAX_SOCKETS_PER_OBJECT),
  perRelay: z.number().int().min(1).max(MAX_SOCKETS_PER_OBJECT),
});
export type RelaySettings = z.infer<typeof RelaySettings>;

/** What the admin routes answer: the settings in force and each relay's last reported sockets. */
export const RelaysResponse = z.object({
  target: TargetId,
  threshold: z.number().int().nonnegative(),
  perRelay: z.number().int().positive(),
  /** True when the settings are this target's own, false when they are the defaults. */
  overridden: z.boolean(),
  roomSockets: z.number().int().nonnegative(),
  relays: z.array(z.object({ k: z.number().int().nonnegative(), sockets: z.number().int().nonnegative() })),
});
export type RelaysResponse = z.infer<typeof RelaysResponse>;
