import type { RelaysResponse } from "../../protocol/relays";
import { RelayCatchUpInput, RelayReport, RelayWelcomeInput, SetRelaysInput } from "../../protocol/internal/relay-rpc";
import { TargetId } from "../../protocol/target";
import { defaultRelaySettings } from "../relays/room-relays";
import type { ReplayPlan } from "../replay-ring";
import type { PreparedHello } from "../room-sockets";
import { visibleTo } from "../socket-audience";
import { forRelays } from "../relays/relay-fanout";
import type { RoomCore } from "./room-core";

/** TargetRoom's side of relay fan-out for huge rooms (durable-objects/relays/, docs/relays.md). */
export class RelayRpc {
  constructor(private readonly core: RoomCore) {}

  /** A relay accepting a socket asks for its hello: the same snapshot and replay plan a room socket gets. */
  async welcome(input: RelayWelcomeInput): Promise<PreparedHello> {
    const { k, since, userId } = this.core.input(RelayWelcomeInput, input);
    const parts = this.core.parts();
    const state = this.core.state();
    // The viewer is no moderator (those stay in the room): only what they may see leaves it.
    const plan = since === undefined ? { kind: "replay" as const, events: [] } : forViewer(parts.ring.plan(since, state.seq), userId ?? null);
    parts.relays.fanout.welcomed(k, state.seq);
    // The joining socket is not in any count yet; the relay's 101 answer adds it.
    // The relay holds no reaction ledger and no comments: the room names the viewer's own
    // reactions here, and the comments it shows them alone (their hello's `yours`).
    if (userId === undefined) return { state, plan, viewers: this.core.viewerCount() + 1 };
    const yours = this.core.yoursOf(userId);
    return { state, plan, viewers: this.core.viewerCount() + 1, mine: this.core.reactionsOf(userId), ...(yours === undefined ? {} : { yours }) };
  }

  /** A relay that missed pushes (or cannot tell) reads the ring from what it has. */
  async catchUp(input: RelayCatchUpInput) {
    const { since } = this.core.input(RelayCatchUpInput, input);
    const { ring, seq } = this.core.parts();
    return { plan: forRelay(ring.plan(since, seq.last)), seq: seq.last };
  }

  /** A relay's open sockets after a viewer left (joins come back on the 101 answer). */
  async report(input: RelayReport): Promise<void> {
    const report = this.core.input(RelayReport, input);
    if (this.core.parts().relays.report(report)) this.core.live.changed();
  }

  /** GET /v1/admin/targets/:target/relays */
  async settings(target: string): Promise<RelaysResponse> {
    this.core.check(TargetId.parse(target));
    const roomSockets = this.core.sockets.viewerCount();
    const parts = this.core.read;
    if (parts === null) return { target, ...defaultRelaySettings(this.core.env), overridden: false, roomSockets, relays: [] };
    return parts.relays.describe(target, roomSockets);
  }

  /** PUT /v1/admin/targets/:target/relays: this target's threshold and sockets per relay. */
  async set(input: SetRelaysInput): Promise<RelaysResponse> {
    const { target, threshold, perRelay } = this.core.input(SetRelaysInput, input);
    const { relays } = this.core.parts();
    relays.set({ threshold, perRelay });
    return relays.describe(target, this.core.sockets.viewerCount());
  }
}

/** A relay's sockets are no moderators': what only moderators may see never leaves the room. */
function forRelay(plan: ReplayPlan): ReplayPlan {
  if (plan.kind === "resync") return plan;
  return { kind: "replay", events: plan.events.flatMap((entry) => forRelays(entry) ?? []) };
}

function forViewer(plan: ReplayPlan, userId: string | null): ReplayPlan {
  return plan.kind === "resync" ? plan : { kind: "replay", events: [...visibleTo(plan.events, { userId, moderator: false })] };
}
