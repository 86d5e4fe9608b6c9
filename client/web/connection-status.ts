import type { LiveStatus } from "../live";
import type { ShellHello } from "../../protocol/mini/shell-frame";
import { h, setText } from "./dom";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "resynced" | "refused" | "closed" | "incompatible";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline: reconnects when the network is back",
  resynced: "Resynced: reloaded after a long gap",
  refused: "Sign-in refused: sign in again to go live",
  closed: "Disconnected",
  incompatible: "This page is out of date: reload it",
};

/**
 * The live connection's state in words (role=status, so changes are announced politely) and
 * in `data-state` for styling and tests. "resynced" means the room could not replay what was
 * missed and the page reloaded its lists; "connected" after a reconnect means it replayed.
 */
export class ConnectionStatus {
  readonly element = h("p", { class: "connection", role: "status", "data-state": "connecting", "data-testid": "connection" }, LABELS.connecting);
  private state: ConnectionState = "connecting";
  private offline = !navigator.onLine;

  get current(): ConnectionState {
    return this.state;
  }

  onSocketStatus(status: LiveStatus): void {
    if (status === "open") return; // "connected" is decided by the hello that follows
    if (status === "reconnecting") this.set(this.offline ? "offline" : "reconnecting");
    else if (status === "closed" || status === "incompatible" || status === "connecting" || status === "refused") this.set(status);
  }

  onHello(hello: Pick<ShellHello, "resync">): void {
    this.set(hello.resync ? "resynced" : "connected");
  }

  onNetwork(online: boolean): void {
    this.offline = !online;
    if (!online) this.set("offline");
    else if (this.state === "offline") this.set("reconnecting");
  }

  private set(state: ConnectionState): void {
    this.state = state;
    this.element.dataset.state = state;
    setText(this.element, LABELS[state]);
  }
}
