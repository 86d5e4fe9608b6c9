import { LIVE_IDENTITY_HEADER, LIVE_TICKET_HEADER, LiveTicketStub, type LiveIdentity } from "../protocol/internal/room-rpc";
import { identityFrom } from "./identity-header";

/**
 * Tickets that opened a socket here, kept until they expire. In the room's SQLite and nowhere
 * else: isolate memory forgets on eviction and differs between isolates, and KV or the cache
 * are eventually consistent, so a copied ticket could open a second socket through any of them.
 */
export const LIVE_TICKETS_USED_TABLE = `CREATE TABLE live_tickets_used (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX live_tickets_used_by_expiry ON live_tickets_used (expires_at);`;

/** Alarm job (durable-objects/alarm-jobs.ts) that forgets tickets once they expire. */
export const TICKET_SWEEP_JOB = "live-ticket-sweep";

/** Why a room turned a ticket away; the Worker turns it into a close code (workers/routes/live.ts). */
export type TicketSpendRefusal = "ticket_used" | "ticket_expired";

export type Admission =
  | { ok: true; user: LiveIdentity | null; ticket: LiveTicketStub | null }
  | { ok: false; reason: TicketSpendRefusal };

function ticketFrom(header: string | null): LiveTicketStub | null {
  if (header === null) return null;
  try {
    return LiveTicketStub.safeParse(JSON.parse(header)).data ?? null;
  } catch {
    return null;
  }
}

export class UsedTickets {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Who an upgrade the Worker forwarded may be: the identity only with a ticket spent here
   * now, else a read-only viewer. The expiry is checked again on the room's clock, the one
   * the sweep uses, so a ticket is refused before its row can be swept.
   */
  admit(headers: Headers, now: number): Admission {
    const ticket = ticketFrom(headers.get(LIVE_TICKET_HEADER));
    const identity = identityFrom(headers.get(LIVE_IDENTITY_HEADER));
    if (ticket === null || identity === null) return { ok: true, user: null, ticket: null };
    if (ticket.expiresAt <= now) return { ok: false, reason: "ticket_expired" };
    const spent = this.sql
      .exec("INSERT INTO live_tickets_used (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING RETURNING id", ticket.id, ticket.expiresAt)
      .toArray().length;
    return spent === 1 ? { ok: true, user: identity, ticket } : { ok: false, reason: "ticket_used" };
  }

  /** Forgets expired tickets; answers when the next one expires, or null when none is left. */
  sweep(now: number): number | null {
    this.sql.exec("DELETE FROM live_tickets_used WHERE expires_at <= ?", now);
    return this.sql.exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM live_tickets_used").one().next;
  }
}
