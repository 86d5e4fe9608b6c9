// The core through its public entry only: the package's react.js imports it from ./index.js.
import { connect, createRestClient, type ConnectOptions, type EventFrame, type HelloFrame, type LiveConnection, type LiveStatus, type RestClient, type TokenSource } from "../index";

/** "idle": no socket (server rendering, or before the first subscriber mounted). */
export type RoomStatus = LiveStatus | "idle";

/** What every hook of one target reads; replaced (never mutated) on change, as useSyncExternalStore wants. */
export interface RoomSnapshot {
  status: RoomStatus;
  count: number | null;
  viewers: number | null;
  /** The signed-in user the room saw; null for a read-only viewer (or before the first hello). */
  user: string | null;
  /** Whether that user likes the target; null until known. */
  liked: boolean | null;
}

export const IDLE: RoomSnapshot = Object.freeze({ status: "idle", count: null, viewers: null, user: null, liked: null });

export interface RoomListener {
  changed?(): void;
  event?(frame: EventFrame): void;
  hello?(frame: HelloFrame): void;
}

export interface EngageClientOptions {
  /** The API's origin, e.g. `https://engage.example.com`. */
  baseUrl: string;
  /** The site's token for the visitor (or a function asked before every connect), null for read-only. */
  token?: TokenSource | null;
  fetch?: typeof fetch;
  /** A WebSocket constructor for runtimes without a global one. */
  WebSocket?: unknown;
}

/**
 * A rerender that unmounts and mounts the same hook (React's StrictMode does it on purpose)
 * keeps the socket: it closes only when no hook held it for this long.
 */
const CLOSE_GRACE_MS = 1_000;

/**
 * One target's live connection, shared by every hook of that target under one provider. It
 * opens on the first subscriber, never while rendering: React subscribes from effects only,
 * and effects do not run during server rendering, so renderToString opens no socket.
 */
export class Room {
  snapshot: RoomSnapshot = IDLE;
  connection: LiveConnection | null = null;
  private readonly listeners = new Set<RoomListener>();
  private closer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly client: EngageClient,
    readonly target: string,
  ) {}

  hold(listener: RoomListener): () => void {
    clearTimeout(this.closer);
    this.listeners.add(listener);
    if (this.connection === null) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.closer = setTimeout(() => this.close(), CLOSE_GRACE_MS);
    };
  }

  private update(patch: Partial<RoomSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener.changed?.();
  }

  private open(): void {
    const options = this.client.options;
    const connectOptions: ConnectOptions = {
      baseUrl: options.baseUrl,
      token: () => this.client.token(),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
      onStatus: (status) => this.update({ status }),
      onCount: (count) => this.update({ count }),
      onViewers: (viewers) => this.update({ viewers }),
      onEvent: (frame) => {
        for (const listener of this.listeners) listener.event?.(frame);
      },
      onHello: (hello) => {
        const user = hello.user?.id ?? null;
        this.update({ user, liked: user === this.snapshot.user ? this.snapshot.liked : null });
        for (const listener of this.listeners) listener.hello?.(hello);
        if (user !== null) void this.readLiked(user);
      },
    };
    this.update({ status: "connecting" });
    this.connection = connect(this.target, connectOptions);
  }

  /** The room's answer, not a guess: whether this user likes the target. */
  private async readLiked(user: string): Promise<void> {
    try {
      const { liked } = await this.client.rest.likeStatus(user, this.target);
      if (this.snapshot.user === user) this.update({ liked });
    } catch {
      // Unknown stays unknown: like() and unlike() still work, and their answer tells.
    }
  }

  /** After a write's ack: the room's word on whether this user likes the target now. */
  likedIs(liked: boolean, count: number): void {
    this.update({ liked, count });
  }

  reconnect(): void {
    this.connection?.reconnect();
  }

  private close(): void {
    this.connection?.close();
    this.connection = null;
    this.snapshot = IDLE;
    this.client.forget(this);
  }
}

/** A provider's state: its options, one Room per target, and a REST client for reads. */
export class EngageClient {
  private readonly rooms = new Map<string, Room>();
  readonly rest: RestClient;

  constructor(public options: EngageClientOptions) {
    const { baseUrl, fetch } = options;
    this.rest = createRestClient({ baseUrl, token: () => this.token(), ...(fetch === undefined ? {} : { fetch }) });
  }

  /** Read fresh before every connect and every write: the provider may have been given a new one. */
  async token(): Promise<string | null> {
    const source = this.options.token;
    const token = typeof source === "function" ? await source() : source;
    return token || null;
  }

  /** The target's room; creating one opens nothing (see Room). */
  room(target: string): Room {
    let room = this.rooms.get(target);
    if (room === undefined) {
      room = new Room(this, target);
      this.rooms.set(target, room);
    }
    return room;
  }

  forget(room: Room): void {
    if (this.rooms.get(room.target) === room) this.rooms.delete(room.target);
  }

  /** A new token (the visitor signed in or out): every open room signs its socket in again. */
  setToken(token: TokenSource | null | undefined): void {
    this.options = { ...this.options, token };
    for (const room of this.rooms.values()) room.reconnect();
  }
}
