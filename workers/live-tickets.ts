import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { TICKET_TTL_MS, type LiveTicket } from "../protocol/live-tickets";
import type { LiveIdentity, LiveTicketStub } from "../protocol/internal/room-rpc";
import { TargetId, UserId } from "../protocol/target";
import { actorOf, type TokenClaims } from "./auth";
import type { AppEnv } from "../platform/env";
import { ApiError } from "./errors";
import { hmacSha256Key } from "../platform/hmac-keys";

/**
 * Live tickets (docs/realtime.md "Signing in a socket"): HS256 compact JWS under a key of
 * their own, LIVE_TICKET_SECRET, so a ticket is never a bearer token and a leaked ticket key
 * mints no REST access. The `typ` header keeps any other JWT from passing as a ticket.
 */
export const TICKET_TYP = "live-ticket+jwt";

/** What a ticket carries besides iat/exp/jti: everything the socket's identity needs. */
const TicketClaims = z.object({
  jti: z.uuid(),
  sub: UserId,
  /** The target this ticket opens, and no other. */
  tgt: TargetId,
  name: z.string().min(1).max(64),
  roles: z.array(z.string().max(128)).max(4),
  /** The bearer token's expiry (s): the socket's writes end there. */
  tex: z.number().int(),
  /** The Origin the ticket was minted from; absent for a client that sent none. */
  org: z.string().max(2048).optional(),
  iat: z.number().int(),
  exp: z.number().int(),
});
type TicketClaims = z.infer<typeof TicketClaims>;

export type TicketRefusal = "ticket_invalid" | "ticket_expired" | "ticket_wrong_target" | "ticket_wrong_origin";

export type CheckedTicket =
  | { ok: true; identity: LiveIdentity; stub: LiveTicketStub }
  | { ok: false; reason: TicketRefusal };

/**
 * The ticket key, or a 503: without its own key the service cannot mint tickets, and it must
 * never fall back to AUTH_SECRET (a ticket would then verify as a bearer token's sibling).
 */
async function ticketKey(env: Pick<AppEnv, "LIVE_TICKET_SECRET" | "AUTH_SECRET">, usage: "sign" | "verify"): Promise<CryptoKey | null> {
  const secret = env.LIVE_TICKET_SECRET;
  if (secret === undefined || secret.length === 0 || secret === env.AUTH_SECRET) return null;
  return hmacSha256Key(secret, usage);
}

/** Signs a ticket for `claims`' user to open one socket on `target` within TICKET_TTL_MS. */
export async function mintLiveTicket(
  env: Pick<AppEnv, "LIVE_TICKET_SECRET" | "AUTH_SECRET">,
  claims: TokenClaims,
  target: string,
  origin: string | null,
  now: number,
): Promise<LiveTicket> {
  const key = await ticketKey(env, "sign");
  if (key === null) throw new ApiError(503, "not_configured", "live tickets are not configured (LIVE_TICKET_SECRET)");
  const actor = actorOf(claims, target);
  const iat = Math.floor(now / 1000);
  // Not capped at the token's exp: a socket opened after it may view but never write (tex),
  // and a capped ticket from a token about to expire would race its own upgrade.
  const exp = iat + TICKET_TTL_MS / 1000;
  const payload = {
    tgt: target,
    name: actor.name,
    roles: actor.roles,
    tex: claims.exp,
    ...(origin === null ? {} : { org: origin }),
  };
  const ticket = await new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: TICKET_TYP })
    .setSubject(claims.sub)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
  return { ticket, expiresAt: exp * 1000 };
}

/**
 * Everything about a ticket the Worker can tell without waking the room: signature, age,
 * target and Origin. Single use is the room's to enforce (durable-objects/used-tickets.ts).
 */
export async function checkLiveTicket(
  env: Pick<AppEnv, "LIVE_TICKET_SECRET" | "AUTH_SECRET">,
  ticket: string,
  target: string,
  origin: string | null,
  now: number,
): Promise<CheckedTicket> {
  const key = await ticketKey(env, "verify");
  if (key === null) return { ok: false, reason: "ticket_invalid" };
  let claims: TicketClaims;
  try {
    const { payload } = await jwtVerify(ticket, key, {
      algorithms: ["HS256"],
      typ: TICKET_TYP,
      currentDate: new Date(now),
      maxTokenAge: TICKET_TTL_MS / 1000,
      requiredClaims: ["jti", "sub", "iat", "exp"],
    });
    const parsed = TicketClaims.safeParse(payload);
    if (!parsed.success) return { ok: false, reason: "ticket_invalid" };
    claims = parsed.data;
  } catch (error) {
    // Age is checked after the signature, so only a ticket we signed can be called expired.
    const expired = error instanceof errors.JWTExpired;
    return { ok: false, reason: expired ? "ticket_expired" : "ticket_invalid" };
  }
  if (claims.tgt !== target) return { ok: false, reason: "ticket_wrong_target" };
  if ((claims.org ?? null) !== origin) return { ok: false, reason: "ticket_wrong_origin" };
  return {
    ok: true,
    identity: { userId: claims.sub, name: claims.name, roles: claims.roles, exp: claims.tex },
    stub: { id: claims.jti, expiresAt: claims.exp * 1000 },
  };
}
