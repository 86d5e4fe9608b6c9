import { logEvent } from "../../platform/log";
import { REQUEST_ID_HEADER, RequestId } from "../../protocol/operations";
import { LIVE_IDENTITY_HEADER, LIVE_TICKET_HEADER, LiveIdentity, LiveRoomQuery } from "../../protocol/internal/room-rpc";
import { identityFrom } from "../identity-header";
import { defaultRelaySettings } from "../relays/room-relays";
import { TICKET_SWEEP_JOB, type Admission } from "../used-tickets";
import type { RoomCore } from "./room-core";

/**
 * The WebSocket upgrade of `/v1/targets/:target/live` (the only fetch into a room): the
 * ticket is spent, the viewer lands on the room's own sockets or on a relay.
 */
export class SocketEntry {
  constructor(private readonly core: RoomCore) {}

  async upgrade(request: Request): Promise<Response> {
    const { core } = this;
    const requestId = RequestId.safeParse(request.headers.get(REQUEST_ID_HEADER)).data;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      this.refused(requestId, "upgrade_required");
      return Response.json({ error: { code: "upgrade_required", message: "expected a WebSocket upgrade" } }, { status: 426 });
    }
    const query = LiveRoomQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) {
      this.refused(requestId, "invalid_request");
      return Response.json({ error: { code: "invalid_request", message: "invalid live upgrade" } }, { status: 400 });
    }
    const { target, since } = query.data;
    core.check(target);
    // A signed-in socket spends its ticket in storage, so on a never-written room it is that
    // room's first write, charged to the user's daily quota of new rooms like any other.
    if (!core.stored && request.headers.has(LIVE_TICKET_HEADER)) {
      const viewer = identityFrom(request.headers.get(LIVE_IDENTITY_HEADER));
      const quota = viewer === null ? null : await core.limits.admitNewRoom(viewer.userId, target);
      if (quota !== null) {
        this.refused(requestId, quota.code);
        return Response.json({ error: { code: quota.code, message: quota.message } }, { status: quota.status });
      }
      core.parts();
    }
    // Every upgrade spends its ticket here, before a relay can take it: a ticket opens one socket.
    // Still unwritten here means no ticket came: an anonymous viewer, with nothing to spend.
    const admission: Admission = core.read?.usedTickets.admit(request.headers, Date.now()) ?? { ok: true, user: null, ticket: null };
    if (!admission.ok) {
      this.refused(requestId, admission.reason);
      const message = admission.reason === "ticket_used" ? "this ticket already opened a socket" : "ticket expired";
      return Response.json({ error: { code: admission.reason, message } }, { status: admission.reason === "ticket_used" ? 409 : 410 });
    }
    const { user, ticket } = admission;
    if (ticket !== null) await core.jobs.schedule(TICKET_SWEEP_JOB, ticket.expiresAt);
    // Viewers alone never store a room, unless there are so many that relays must take them.
    if (core.sockets.viewerCount() >= defaultRelaySettings(core.env).threshold) core.parts();
    // Moderators stay in the room: events only they may see never go to a relay (docs/relays.md).
    const moderator = user !== null && core.isModerator(user);
    const relay = moderator ? null : (core.read?.relays.assign(core.sockets.viewerCount()) ?? null);
    const relayed = relay === null ? null : await this.forwardToRelay(relay, target, since, relayUpgrade(request, user), requestId);
    if (relayed !== null) return relayed;
    const response = core.sockets.accept(user, since);
    core.counters.socketAccepted();
    logEvent("socket_accepted", { target, requestId, userId: user?.userId ?? null });
    core.live.changed();
    return response;
  }

  /** A socket closed (cleanly or not): counted, and the viewers hear the new count. */
  closed(ws: WebSocket, code: number, wasClean: boolean): void {
    this.core.sockets.onClose(ws, code, wasClean);
    this.core.counters.socketClosed();
    this.core.live.changed();
  }

  /**
   * A huge room's new viewer goes to a relay, which accepts the socket itself. If the relay
   * cannot be reached (null), the room takes the viewer: a room over its threshold beats none.
   */
  private async forwardToRelay(k: number, target: string, since: number | undefined, request: Request, requestId: string | undefined): Promise<Response | null> {
    try {
      const { response, viewersChanged } = await this.core.parts().relays.forward(k, target, since, request);
      logEvent("socket_relayed", { target, requestId, k, status: response.status });
      if (viewersChanged) this.core.live.changed();
      return response;
    } catch (error) {
      logEvent("relay_forward_failed", { target, requestId, k, error: String(error) });
      return null;
    }
  }

  private refused(requestId: string | undefined, reason: string): void {
    this.core.counters.socketRefused();
    logEvent("socket_refused", { target: this.core.targetOrNull, requestId, reason });
  }
}

/** The upgrade a relay gets: the identity only as this room admitted it, never a raw header. */
function relayUpgrade(request: Request, user: LiveIdentity | null): Request {
  const headers = new Headers(request.headers);
  headers.delete(LIVE_TICKET_HEADER);
  if (user === null) headers.delete(LIVE_IDENTITY_HEADER);
  else headers.set(LIVE_IDENTITY_HEADER, JSON.stringify(user));
  return new Request(request.url, { headers });
}
