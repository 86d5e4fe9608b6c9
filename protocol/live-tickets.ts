import { z } from "zod";
import { TargetId } from "./target";

/**
 * Socket sign-in (docs/realtime.md "Signing in a socket"). A bearer token never travels in a
 * URL, where request logs, traces and browser history keep it; the client trades it for a
 * ticket with `POST /v1/live/tickets` and opens `GET /v1/targets/:target/live?ticket=...`.
 * A ticket is good for one upgrade, to one target, within TICKET_TTL_MS of its minting.
 */
export const TICKET_TTL_MS = 30_000;

export const LiveTicketRequest = z.strictObject({ target: TargetId });
export type LiveTicketRequest = z.infer<typeof LiveTicketRequest>;

export const LiveTicket = z.object({
  /** Opaque to clients: pass it as `?ticket=` once. */
  ticket: z.string(),
  /** Milliseconds since the epoch after which the ticket opens nothing. */
  expiresAt: z.number().int(),
});
export type LiveTicket = z.infer<typeof LiveTicket>;
