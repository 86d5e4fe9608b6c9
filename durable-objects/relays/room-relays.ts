import { DEFAULT_RELAY_THRESHOLD, DEFAULT_SOCKETS_PER_RELAY, RelaySettings, type RelaysResponse } from "../../protocol/relays";
import { isEmptyRedaction, RELAY_LOAD_HEADER, RelayLoad, relayUpgradeUrl, type Redaction, type RelayReport } from "../../protocol/internal/relay-rpc";
import type { AppEnv } from "../../platform/env";
import { logEvent } from "../../platform/log";
import type { RoomMeta } from "../room-meta";
import { RelayFanout } from "./relay-fanout";
import { RelayRegistry } from "./relay-registry";
import { relayStub } from "./relay-stub";

const SETTINGS_KEY = "relays.settings";

/** LIVE_RELAY_THRESHOLD when it is a whole number, else the default. */
export function defaultRelaySettings(env: Pick<AppEnv, "LIVE_RELAY_THRESHOLD">): RelaySettings {
  const configured = Number(env.LIVE_RELAY_THRESHOLD);
  const threshold = env.LIVE_RELAY_THRESHOLD !== undefined && Number.isInteger(configured) && configured >= 0 ? configured : DEFAULT_RELAY_THRESHOLD;
  return { threshold, perRelay: DEFAULT_SOCKETS_PER_RELAY };
}

/**
 * What a TargetRoom does about relays (docs/relays.md): decides where a new viewer goes,
 * forwards the upgrade, keeps each relay's reported sockets, and mirrors every published
 * frame to the relays that hold sockets. The room stays the one publisher and the one truth.
 */
export class RoomRelays {
  readonly registry: RelayRegistry;
  readonly fanout: RelayFanout;
  private settings: RelaySettings | null;

  constructor(
    sql: SqlStorage,
    private readonly meta: RoomMeta,
    private readonly env: AppEnv,
    target: () => string,
  ) {
    this.registry = new RelayRegistry(sql);
    const stored = meta.get(SETTINGS_KEY);
    this.settings = stored === undefined ? null : RelaySettings.parse(JSON.parse(stored));
    this.fanout = new RelayFanout(
      () => this.registry.active(),
      target,
      (k) => relayStub(env, target(), k),
      (k, error) => logEvent("relay_push_dropped", { target: target(), k, error: String(error) }),
    );
  }

  get current(): RelaySettings {
    return this.settings ?? defaultRelaySettings(this.env);
  }

  /** Viewers on relays (last reports plus the 101 answers since). */
  get viewers(): number {
    return this.registry.sockets;
  }

  /** True while some relay holds sockets: the room must keep publishing even with none of its own. */
  get busy(): boolean {
    return this.registry.active().length > 0;
  }

  /** The relay a new viewer goes to, or null while the room itself still has room. */
  assign(roomSockets: number): number | null {
    const { threshold, perRelay } = this.current;
    return roomSockets < threshold ? null : this.registry.choose(perRelay);
  }

  /**
   * Hands the upgrade to relay k, which accepts the socket itself (a Durable Object may
   * answer with another object's 101). The relay's load rides on its answer.
   */
  async forward(k: number, target: string, since: number | undefined, request: Request): Promise<{ response: Response; viewersChanged: boolean }> {
    this.registry.startJoin(k);
    try {
      const answer = await relayStub(this.env, target, k).fetch(new Request(relayUpgradeUrl(target, k, since), { headers: request.headers }));
      const load = loadOf(answer.headers.get(RELAY_LOAD_HEADER));
      const viewersChanged = load !== null && this.registry.record(k, load);
      if (answer.status !== 101 || answer.webSocket === null) return { response: answer, viewersChanged };
      return { response: new Response(null, { status: 101, webSocket: answer.webSocket }), viewersChanged };
    } finally {
      this.registry.endJoin(k);
    }
  }

  /** True when the viewer count moved. */
  report(report: RelayReport): boolean {
    return this.registry.record(report.k, { sockets: report.sockets, version: report.version });
  }

  /**
   * A user moderates the room now: every relay this room ever opened closes their sockets
   * (CLOSE_CODES.moved), and their clients reconnect to the room, where moderators are held.
   */
  async closeSocketsOf(target: string, userId: string): Promise<void> {
    const relays = this.registry.list();
    const answers = await Promise.allSettled(relays.map(({ k }) => relayStub(this.env, target, k).closeSocketsOf({ target, k, userId })));
    answers.forEach((answer, i) => {
      if (answer.status === "rejected") logEvent("relay_close_failed", { target, k: relays[i]!.k, error: String(answer.reason) });
    });
  }

  /**
   * Every relay this room ever opened drops the redacted events from its memory. Nothing is
   * queued for a redaction that covers nothing (a comment published unedited has no revision).
   */
  redact(redaction: Redaction): void {
    if (isEmptyRedaction(redaction)) return;
    this.fanout.redact(redaction, this.registry.list().map((relay) => relay.k));
  }

  set(settings: RelaySettings): void {
    this.settings = settings;
    this.meta.set(SETTINGS_KEY, JSON.stringify(settings));
  }

  describe(target: string, roomSockets: number): RelaysResponse {
    return { target, ...this.current, overridden: this.settings !== null, roomSockets, relays: this.registry.list() };
  }
}

function loadOf(header: string | null): RelayLoad | null {
  if (header === null) return null;
  try {
    return RelayLoad.safeParse(JSON.parse(header)).data ?? null;
  } catch {
    return null;
  }
}
