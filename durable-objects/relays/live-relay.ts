import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { AppEnv } from "../../platform/env";
import { CLOSE_CODES, PING_FRAME, PONG_FRAME } from "../../protocol/live";
import { LIVE_IDENTITY_HEADER } from "../../protocol/internal/room-rpc";
import { RELAY_LOAD_HEADER, RelayIndex, relayName, RelayPush, RelayUpgradeQuery, RelayUserInput, RelayWelcomeViewer, type RelayAck, type RelayLoad, type RelayStats } from "../../protocol/internal/relay-rpc";
import { TargetId } from "../../protocol/target";
import { REQUEST_ID_HEADER, RequestId } from "../../protocol/operations";
import { roomFor } from "../../platform/rooms";
import { applyLikesRouted } from "../../platform/like-router";
import { likeFromSocket } from "../likes/socket-like";
import { logEvent } from "../../platform/log";
import { RoomMeta } from "../room-meta";
import { RoomSockets } from "../room-sockets";
import type { RingEvent } from "../replay-ring";
import { identityFrom } from "../identity-header";
import { RecentEvents } from "./recent-events";
import { SerialQueue } from "./serial-queue";

const REPORT_RETRY_MS = 1_000;

const BoundRelay = z.object({ target: TargetId, k: RelayIndex });
type BoundRelay = z.infer<typeof BoundRelay>;

/**
 * One relay of a huge room (name `${target}#relay#${k}`, docs/relays.md). It holds viewers'
 * sockets on the hibernation API exactly as the room does (RoomSockets, the same attachment,
 * the same ping auto-response), receives every frame the room publishes in order, and sends
 * it to its sockets. Hello, replay and writes are the room's, reached by RPC.
 */
export class LiveRelay extends DurableObject<AppEnv> {
  private meta!: RoomMeta;
  private bound: BoundRelay | null = null;
  /** Every live event up to this seq has reached this relay's sockets (persisted: survives eviction). */
  private through: number | null = null;
  private recent!: RecentEvents;
  private lastCount: { count: number; seq: number } | null = null;
  private readonly intake = new SerialQueue();
  private readonly sockets: RoomSockets;
  private version = 0;
  private reporting = false;
  private reportAgain = false;
  private refetches = 0;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.sockets = new RoomSockets(ctx, {
      // A relay's hello comes whole from the room (acceptPrepared), never from these two.
      state: () => {
        throw new Error("a relay prepares its hello with the room");
      },
      replay: () => {
        throw new Error("a relay prepares its hello with the room");
      },
      like: (user, frame) => likeFromSocket((ops, requestId) => applyLikesRouted(this.env, this.boundRelay().target, ops, requestId), user, frame),
      comment: (user, frame) => {
        const target = this.boundRelay().target;
        return roomFor(this.env, target).createComment({
          target,
          actor: { userId: user.userId, name: user.name, roles: user.roles },
          text: frame.text,
          ...(frame.replyTo === undefined ? {} : { replyTo: frame.replyTo }),
          idempotencyKey: frame.id,
        });
      },
      react: (user, frame) => {
        const target = this.boundRelay().target;
        return roomFor(this.env, target).react({
          target,
          actor: { userId: user.userId, name: user.name, roles: user.roles },
          emoji: frame.emoji,
          action: frame.action,
          idempotencyKey: frame.id,
          ...(frame.commentId === undefined ? {} : { commentId: frame.commentId }),
        });
      },
    });
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
      this.meta = new RoomMeta(ctx.storage.sql);
      const stored = this.meta.get("relay");
      this.bound = stored === undefined ? null : BoundRelay.parse(JSON.parse(stored));
      const through = this.meta.get("through");
      this.through = through === undefined ? null : Number(through);
      this.recent = new RecentEvents(this.through);
    });
  }

  /** The upgrade a room forwarded: the room has decided this relay takes the viewer. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: { code: "upgrade_required", message: "expected a WebSocket upgrade" } }, { status: 426 });
    }
    const query = RelayUpgradeQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return Response.json({ error: { code: "invalid_request", message: "invalid relay upgrade" } }, { status: 400 });
    const { target, k, since } = query.data;
    this.bind({ target, k });
    const user = identityFrom(request.headers.get(LIVE_IDENTITY_HEADER));
    const welcome = await roomFor(this.env, target).relayWelcome({ target, k, ...(since === undefined ? {} : { since }), ...(user === null ? {} : { userId: user.userId }) });
    return this.intake.run(async () => {
      const helloSeq = welcome.state.seq;
      await this.holdAtLeast(helloSeq);
      const { response, socket } = this.sockets.acceptPrepared(user, { state: welcome.state, plan: welcome.plan, viewers: welcome.viewers, ...viewerPart(welcome) });
      await this.catchUpSocket(socket, helloSeq);
      logEvent("relay_socket_accepted", { target, k, requestId: RequestId.safeParse(request.headers.get(REQUEST_ID_HEADER)).data, userId: user?.userId ?? null });
      return new Response(null, { status: 101, webSocket: response.webSocket, headers: { [RELAY_LOAD_HEADER]: JSON.stringify(this.load()) } });
    });
  }

  /** One step of the room's ordered stream to this relay (RelayFanout). */
  async receive(input: RelayPush): Promise<RelayAck> {
    const push = RelayPush.parse(input);
    this.bind({ target: push.target, k: push.k });
    return this.intake.run(async () => {
      if (this.through !== null && this.missedSome(push)) {
        if (this.sockets.viewerCount() > 0) await this.refetch();
        else this.jumpTo(Math.max(this.through, push.through ?? this.through));
      }
      const fresh = this.through === null ? push.events : push.events.filter((entry) => entry.seq > this.through!);
      this.deliver(fresh);
      const through = Math.max(this.through ?? 0, push.through ?? 0, fresh.at(-1)?.seq ?? 0);
      if (push.through !== null || this.through !== null) this.setThrough(through);
      // After delivering: a redaction covers events of this very push too. A forgotten past is
      // read from the room's ring, which the room already redacted.
      if (push.forgetRecent) this.recent.restart(this.through);
      for (const redaction of push.redactions ?? []) this.recent.redact(redaction);
      const count = push.count !== undefined && (this.lastCount === null || push.count.seq >= this.lastCount.seq) ? push.count : undefined;
      if (count !== undefined) this.lastCount = count;
      if (count !== undefined || push.viewers !== undefined) {
        this.sockets.publish({ ...(count === undefined ? {} : { count }), ...(push.viewers === undefined ? {} : { viewers: push.viewers }) });
      }
      return { through: this.through };
    });
  }

  /**
   * The user moderates the room now, and moderators' sockets are the room's own (they see
   * events no relay receives): theirs here close with CLOSE_CODES.moved, and the client's
   * reconnect lands in the room.
   */
  async closeSocketsOf(input: RelayUserInput): Promise<number> {
    const { target, k, userId } = RelayUserInput.parse(input);
    this.bind({ target, k });
    const sockets = this.sockets.socketsOf(userId);
    this.sockets.closeAll(sockets, CLOSE_CODES.moved, "moderator: reconnect to the room");
    if (sockets.length > 0) this.report();
    return sockets.length;
  }

  async stats(): Promise<RelayStats> {
    return { target: this.bound?.target ?? null, k: this.bound?.k ?? null, sockets: this.sockets.viewerCount(), through: this.through, refetches: this.refetches };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.sockets.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, _reason: string, wasClean: boolean): Promise<void> {
    this.sockets.onClose(ws, code, wasClean);
    this.report();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.sockets.onClose(ws, 1006, false);
    this.report();
  }

  /** A report that failed is sent again from here. */
  override async alarm(): Promise<void> {
    this.report();
  }

  /** True when the room cannot vouch that this push follows what the relay already delivered. */
  private missedSome(push: RelayPush): boolean {
    const through = this.through ?? 0;
    if (push.after === null) return push.through === null || push.through > through;
    return push.after > through;
  }

  /** Before a socket joins at `seq`, the others must have everything up to it (or there are none). */
  private async holdAtLeast(seq: number): Promise<void> {
    if (this.through !== null && this.through >= seq) return;
    if (this.through === null || this.sockets.viewerCount() === 0) {
      this.jumpTo(seq);
      return;
    }
    await this.refetch();
  }

  /** The new socket's hello is at `helloSeq`; the relay may have delivered a little more since. */
  private async catchUpSocket(socket: WebSocket, helloSeq: number): Promise<void> {
    const through = this.through ?? helloSeq;
    if (through > helloSeq) {
      const kept = this.recent.after(helloSeq);
      const missed = kept ?? (await this.readRing(helloSeq));
      if (missed === null) {
        socket.close(CLOSE_CODES.tryAgainLater, "missed events; reconnect with since");
        return;
      }
      for (const { seq, at, event, audience } of missed) {
        if (seq <= through) this.sockets.deliverEvent(socket, { type: "event", seq, at, replay: false, event }, audience);
      }
    }
    if (this.lastCount !== null && this.lastCount.seq > helloSeq) this.sockets.deliver(socket, { type: "count", ...this.lastCount });
  }

  /** Reads what this relay's sockets lack from the room's replay ring. */
  private async refetch(): Promise<void> {
    const since = this.through ?? 0;
    const { target, k } = this.boundRelay();
    const answer = await roomFor(this.env, target).relayCatchUp({ target, k, since });
    this.refetches++;
    logEvent("relay_refetched", { target, k, since, seq: answer.seq, resync: answer.plan.kind === "resync" });
    if (answer.plan.kind === "resync") {
      // The ring no longer reaches back: only a reconnect with since (and its resync) is exact.
      for (const ws of this.ctx.getWebSockets()) {
        try {
          ws.close(CLOSE_CODES.tryAgainLater, "missed events; reconnect with since");
        } catch {
          // Already closing.
        }
      }
      this.jumpTo(answer.seq);
      return;
    }
    const live = answer.plan.events.filter((entry) => entry.seq > since && entry.event.kind !== "like" && entry.event.kind !== "unlike");
    this.deliver(live);
    this.setThrough(Math.max(since, answer.seq));
  }

  /** The live events after `seq` from the room's ring, or null when it no longer has them. */
  private async readRing(seq: number): Promise<RingEvent[] | null> {
    const { target, k } = this.boundRelay();
    const answer = await roomFor(this.env, target).relayCatchUp({ target, k, since: seq });
    if (answer.plan.kind === "resync") return null;
    return answer.plan.events.filter((entry) => entry.event.kind !== "like" && entry.event.kind !== "unlike");
  }

  private deliver(events: readonly RingEvent[]): void {
    if (events.length === 0) return;
    this.sockets.broadcastEvents(events);
    this.recent.add(events);
  }

  /** Skips ahead with nothing to deliver in between: no socket here needs those events. */
  private jumpTo(seq: number): void {
    this.recent.restart(seq);
    this.setThrough(seq);
  }

  private setThrough(seq: number): void {
    if (this.through === seq) return;
    this.through = seq;
    this.meta.set("through", String(seq));
  }

  /** Open sockets, with a version from the clock so the room keeps the newest of crossing reports. */
  private load(): RelayLoad {
    this.version = Math.max(Date.now() * 1000, this.version + 1);
    return { sockets: this.sockets.viewerCount(), version: this.version };
  }

  /** At most one report in flight; a change meanwhile is sent right after it. */
  private report(): void {
    if (this.bound === null) return;
    if (this.reporting) {
      this.reportAgain = true;
      return;
    }
    this.reporting = true;
    const { target, k } = this.bound;
    const sent = roomFor(this.env, target)
      .relayReport({ target, k, ...this.load() })
      .catch(async (error: unknown) => {
        logEvent("relay_report_failed", { target, k, error: String(error) });
        await this.ctx.storage.setAlarm(Date.now() + REPORT_RETRY_MS);
      })
      .finally(() => {
        this.reporting = false;
        if (this.reportAgain) {
          this.reportAgain = false;
          this.report();
        }
      });
    this.ctx.waitUntil(sent);
  }

  private bind(relay: BoundRelay): void {
    // The runtime names an object made by idFromName: a first call addressed to another relay
    // must not bind this one to it for good.
    const named = this.ctx.id.name;
    if (named !== undefined && named !== relayName(relay.target, relay.k)) throw new Error(`relay ${named} was called as ${relayName(relay.target, relay.k)}`);
    if (this.bound !== null) {
      if (this.bound.target !== relay.target || this.bound.k !== relay.k) throw new Error(`relay ${this.bound.target}#${this.bound.k} was called as ${relay.target}#${relay.k}`);
      return;
    }
    this.meta.set("relay", JSON.stringify(relay));
    this.bound = relay;
  }

  private boundRelay(): BoundRelay {
    if (this.bound === null) throw new Error("relay has no target yet");
    return this.bound;
  }
}

declare module "../../platform/env" {
  interface DurableObjectClasses {
    /** Relays of huge live rooms (durable-objects/relays/, docs/relays.md). */
    LIVE_RELAY: LiveRelay;
  }
}

/**
 * The welcome's part about the viewer, checked: what does not read (a room of another deploy)
 * is left out of the hello rather than refusing the socket, as a relay's hello once lacked it.
 */
function viewerPart(welcome: unknown): RelayWelcomeViewer {
  const read = RelayWelcomeViewer.safeParse(welcome);
  if (!read.success) logEvent("relay_welcome_unread", { issues: read.error.issues.length });
  return read.data ?? {};
}
