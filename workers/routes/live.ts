import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CLOSE_CODES, LiveQuery, PROTOCOL_VERSION, type IncompatibleFrame } from "../../protocol/live";
import { LIVE_IDENTITY_HEADER, liveRoomUrl, type LiveIdentity } from "../../protocol/room-rpc";
import { TargetId } from "../../protocol/target";
import type { AppBindings } from "../app-types";
import { actorOf, verifyToken, type TokenClaims } from "../auth";
import { ApiError, validationHook } from "../errors";
import { errorResponses } from "../openapi-common";
import { roomFor } from "../rooms";
import { REQUEST_ID_HEADER } from "../../protocol/operations";

const liveRoute = createRoute({
  method: "get",
  path: "/v1/targets/{target}/live",
  summary: "WebSocket of a target's live counts, viewers and events (frames in protocol/live.ts)",
  description:
    "Viewing needs no token. `?token=` (a JWT, checked before the upgrade) lets the socket send like/unlike frames. " +
    "`?since=<seq>` replays missed events or answers with a resync snapshot. `?v=` is the client's protocol version.",
  request: { params: z.object({ target: TargetId }), query: LiveQuery },
  responses: {
    101: { description: "Switching to the WebSocket protocol" },
    400: errorResponses[400],
    401: errorResponses[401],
    426: { description: "Not a WebSocket upgrade", content: errorResponses[400].content },
  },
});

/**
 * Accepts the socket only to say why it cannot stay: a browser cannot read an HTTP error
 * body from a failed upgrade, but it can read this frame. The room is never woken for it.
 */
function refuseIncompatible(clientVersion: number): Response {
  const pair = new WebSocketPair();
  const server = pair[1];
  server.accept();
  server.send(
    JSON.stringify({
      type: "incompatible",
      protocol: PROTOCOL_VERSION,
      message: `server speaks protocol ${PROTOCOL_VERSION}, client asked for ${clientVersion}`,
    } satisfies IncompatibleFrame),
  );
  server.close(CLOSE_CODES.incompatible, "incompatible protocol version");
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** Keeps only the roles that matter in this room: the socket attachment holds at most 2 KB. */
function liveIdentityOf(claims: TokenClaims, target: string): LiveIdentity {
  const actor = actorOf(claims, target);
  return { userId: actor.userId, name: actor.name, roles: actor.roles, exp: claims.exp };
}

export const liveRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(liveRoute, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "expected a WebSocket upgrade", undefined, { Upgrade: "websocket" });
  }
  const { target } = c.req.valid("param");
  const { token, since, v } = c.req.valid("query");
  if (v !== undefined && v !== PROTOCOL_VERSION) return refuseIncompatible(v);

  // Never forward identity the client wrote itself: only a verified token may set it.
  const headers = new Headers(c.req.raw.headers);
  headers.delete(LIVE_IDENTITY_HEADER);
  // Live frames are a few dozen bytes: per-message deflate would cost a compressor per
  // socket per broadcast for no gain, so the extension is never offered to the room.
  headers.delete("sec-websocket-extensions");
  // The id observeRequests accepted, not whatever the client sent, so the room logs the same one.
  headers.set(REQUEST_ID_HEADER, c.var.requestId);
  if (token !== undefined) {
    const claims = await verifyToken(token, c.env.AUTH_SECRET);
    headers.set(LIVE_IDENTITY_HEADER, JSON.stringify(liveIdentityOf(claims, target)));
  }
  return roomFor(c.env, target).fetch(new Request(liveRoomUrl(target, since), { headers }));
});
