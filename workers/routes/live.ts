import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CLOSE_CODES, LiveQuery, PROTOCOL_VERSION, type ErrorFrame, type IncompatibleFrame } from "../../protocol/live";
import { ErrorBody } from "../../protocol/errors";
import { LIVE_IDENTITY_HEADER, LIVE_TICKET_HEADER, liveRoomUrl } from "../../protocol/internal/room-rpc";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { ApiError, validationHook } from "../errors";
import { socketOrigin } from "../cors-origins";
import { checkLiveTicket } from "../live-tickets";
import { logEvent } from "../../platform/log";
import { errorResponses } from "../openapi-common";
import { refusedSocket } from "../refused-socket";
import { roomFor } from "../../platform/rooms";
import { REQUEST_ID_HEADER } from "../../protocol/operations";

const liveRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/live",
  summary: "WebSocket of a target's live counts, viewers and events (frames in protocol/live.ts)",
  description:
    "Viewing needs no sign-in. `?ticket=` (from `POST /v1/live/tickets`) signs the socket in, once, so it can send " +
    "like, unlike, comment and react frames until the bearer token it was minted with expires. A used, expired, " +
    "forged or misdirected ticket, or a `?token=` (bearer tokens never go in URLs), gets the socket accepted, an " +
    "`error` frame and a close with a 44xx code (docs/realtime.md). A browser's `Origin` must be the Worker's own or " +
    "listed in CORS_ORIGINS (`*` admits viewers only), else the socket closes with 4403 `origin_not_allowed` (docs/cors.md). " +
    "`?since=<seq>` replays missed events or answers with a resync snapshot. `?v=` is the client's protocol version. " +
    "The first frame is `hello`; for a signed-in socket its `mine` lists the room's own reactions that user holds, " +
    "and its `yours` (absent when there are none) the user's comments only they see: held for review, and shadowed if restricted (docs/moderation.md).",
  request: { params: z.object({ target: TargetId }), query: LiveQuery },
  responses: {
    101: { description: "Switching to the WebSocket protocol (also for refused tickets, closed with a 44xx code)" },
    400: errorResponses[400],
    426: { description: "Not a WebSocket upgrade", content: errorResponses[400].content },
  },
});

/** Why a socket is turned away, as its error frame and close code (docs/realtime.md). */
const REFUSALS = {
  token_in_url: { close: CLOSE_CODES.ticketInvalid, message: "bearer tokens are not accepted in URLs; sign in with ?ticket= from POST /v1/live/tickets" },
  ticket_invalid: { close: CLOSE_CODES.ticketInvalid, message: "invalid ticket" },
  ticket_wrong_target: { close: CLOSE_CODES.ticketForbidden, message: "this ticket is for another target" },
  ticket_wrong_origin: { close: CLOSE_CODES.ticketForbidden, message: "this ticket was minted from another origin" },
  ticket_expired: { close: CLOSE_CODES.ticketExpired, message: "ticket expired; mint a fresh one" },
  ticket_used: { close: CLOSE_CODES.ticketUsed, message: "this ticket already opened a socket; mint a fresh one" },
  origin_not_allowed: { close: CLOSE_CODES.ticketForbidden, message: "this origin may not open this socket (CORS_ORIGINS)" },
  not_configured: { close: CLOSE_CODES.tryAgainLater, message: "the server's CORS_ORIGINS is misconfigured" },
  // A signed-in socket on a never-written target stores its room (the ticket is spent there).
  quota_exceeded: { close: CLOSE_CODES.tooManyFrames, message: "over the daily quota of new targets; watch without signing in, or retry later" },
} as const;
type Refusal = keyof typeof REFUSALS;

function isRefusal(code: string): code is Refusal {
  return Object.hasOwn(REFUSALS, code);
}

function refuse(reason: Refusal): Response {
  const { close, message } = REFUSALS[reason];
  return refusedSocket({ type: "error", error: { code: reason, message } } satisfies ErrorFrame, close, reason);
}

function refuseIncompatible(clientVersion: number): Response {
  return refusedSocket(
    {
      type: "incompatible",
      protocol: PROTOCOL_VERSION,
      message: `server speaks protocol ${PROTOCOL_VERSION}, client asked for ${clientVersion}`,
    } satisfies IncompatibleFrame,
    CLOSE_CODES.incompatible,
    "incompatible protocol version",
  );
}

/** A room that turned the ticket away (used, or expired on its clock) answers with its code. */
async function roomRefusal(res: Response): Promise<Refusal | null> {
  if (res.status === 101) return null;
  const body = ErrorBody.safeParse(await res.clone().json().catch(() => null));
  return body.success && isRefusal(body.data.error.code) ? body.data.error.code : null;
}

export const liveRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(liveRoute, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "expected a WebSocket upgrade", undefined, { Upgrade: "websocket" });
  }
  const { target } = c.req.valid("param");
  const { ticket, since, v } = c.req.valid("query");
  if (v !== undefined && v !== PROTOCOL_VERSION) return refuseIncompatible(v);
  // Refused rather than ignored: a client that still sends its token must learn to stop.
  if (new URL(c.req.url).searchParams.has("token")) {
    logEvent("socket_refused", { target, requestId: c.var.requestId, reason: "token_in_url" });
    return refuse("token_in_url");
  }

  // Never forward identity the client wrote itself: only a checked ticket may set it.
  const headers = new Headers(c.req.raw.headers);
  headers.delete(LIVE_IDENTITY_HEADER);
  headers.delete(LIVE_TICKET_HEADER);
  // Live frames are a few dozen bytes: per-message deflate would cost a compressor per
  // socket per broadcast for no gain, so the extension is never offered to the room.
  headers.delete("sec-websocket-extensions");
  // The id observeRequests accepted, not whatever the client sent, so the room logs the same one.
  headers.set(REQUEST_ID_HEADER, c.var.requestId);
  if (ticket !== undefined) {
    // Signature, age, target and Origin are checked here, so a bad ticket never wakes the room.
    const checked = await checkLiveTicket(c.env, ticket, target, c.req.header("origin") ?? null, Date.now());
    if (!checked.ok) {
      logEvent("socket_refused", { target, requestId: c.var.requestId, reason: checked.reason });
      return refuse(checked.reason);
    }
    headers.set(LIVE_IDENTITY_HEADER, JSON.stringify(checked.identity));
    headers.set(LIVE_TICKET_HEADER, JSON.stringify(checked.stub));
  }
  // After the ticket's own Origin check, so a ticket from elsewhere is named as such.
  const origin = socketOrigin(c.env.CORS_ORIGINS, c.req.header("origin") ?? null, new URL(c.req.url).origin, ticket !== undefined);
  if (origin !== "allowed") {
    logEvent("socket_refused", { target, requestId: c.var.requestId, reason: origin });
    return refuse(origin);
  }
  const res = await roomFor(c.env, target).fetch(new Request(liveRoomUrl(target, since), { headers }));
  // The room logged its own refusal.
  const refusal = await roomRefusal(res);
  return refusal === null ? res : refuse(refusal);
});
