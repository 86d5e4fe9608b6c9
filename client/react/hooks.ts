import { createContext, createElement, useCallback, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { LiveRequestError, type Comment, type CommentResult, type WriteResult } from "../index";
import { applyCommentEvent, mergeComments } from "./comments";
import { EngageClient, IDLE, type EngageClientOptions, type Room, type RoomSnapshot, type RoomStatus } from "./room";

const EngageContext = createContext<EngageClient | null>(null);

export interface EngageProviderProps extends EngageClientOptions {
  children?: ReactNode;
}

/**
 * Where the hooks below find the API and the visitor's token. A new `token` (sign-in, sign-out)
 * signs every open socket in again, so a token function must keep its identity between renders
 * (useCallback) unless the visitor changed; a new `baseUrl` starts over with new connections.
 */
export function EngageProvider({ children, ...options }: EngageProviderProps) {
  const [client, setClient] = useState(() => new EngageClient(options));
  if (client.options.baseUrl !== options.baseUrl) setClient(new EngageClient(options));
  useEffect(() => {
    if (client.options.token !== options.token) client.setToken(options.token);
  }, [client, options.token]);
  return createElement(EngageContext.Provider, { value: client }, children);
}

function useClient(hook: string): EngageClient {
  const client = useContext(EngageContext);
  if (client === null) throw new Error(`${hook} needs an <EngageProvider baseUrl=...> above it`);
  return client;
}

/** The room's snapshot; on the server (and in the first hydration pass) the idle one. */
function useRoom(room: Room): RoomSnapshot {
  const subscribe = useCallback((changed: () => void) => room.hold({ changed }), [room]);
  return useSyncExternalStore(
    subscribe,
    () => room.snapshot,
    () => IDLE,
  );
}

const notConnected = () => new LiveRequestError("closed", "not connected yet: the hook has not mounted");

export interface Likes {
  /** The exact count, null until the first snapshot. */
  count: number | null;
  /** Whether the signed-in visitor likes it; null for a read-only visitor or until known. */
  liked: boolean | null;
  status: RoomStatus;
  /** Resolve with the room's answer; reject with LiveRequestError (code "unauthorized" without a token). */
  like(): Promise<WriteResult>;
  unlike(): Promise<WriteResult>;
  /** Likes, or unlikes what the visitor liked. */
  toggle(): Promise<WriteResult>;
}

export function useLikes(target: string): Likes {
  const room = useClient("useLikes").room(target);
  const snapshot = useRoom(room);
  const write = useCallback(
    async (liked: boolean) => {
      const connection = room.connection;
      if (connection === null) throw notConnected();
      const result = await (liked ? connection.like() : connection.unlike());
      room.likedIs(result.liked, result.count);
      return result;
    },
    [room],
  );
  return {
    count: snapshot.count,
    liked: snapshot.liked,
    status: snapshot.status,
    like: () => write(true),
    unlike: () => write(false),
    toggle: () => write(room.snapshot.liked !== true),
  };
}

export interface Viewers {
  /** People watching this target now (this page included), null until the first snapshot. */
  viewers: number | null;
  status: RoomStatus;
}

export function useViewers(target: string): Viewers {
  const { viewers, status } = useRoom(useClient("useViewers").room(target));
  return { viewers, status };
}

export interface CommentsOptions {
  /** Comments per page (the first and each `loadOlder()`); the server's default when absent. */
  pageSize?: number;
}

export interface Comments {
  /** Top-level comments, newest first, live arrivals included; a deleted one stays as a tombstone. */
  comments: Comment[];
  status: RoomStatus;
  /** A page is being read. */
  loading: boolean;
  /** The last read failed (it is retried by the next `loadOlder()` or resync). */
  error: Error | null;
  /** There are older comments for `loadOlder()`. */
  hasMore: boolean;
  loadOlder(): Promise<void>;
  /** Posts a comment (or a reply to `replyTo`); resolves with it as the room stored it. */
  post(text: string, replyTo?: string): Promise<CommentResult>;
}

interface CommentsState {
  comments: Comment[];
  cursor: string | null;
  loading: boolean;
  error: Error | null;
}

const EMPTY_COMMENTS: CommentsState = { comments: [], cursor: null, loading: false, error: null };

export function useComments(target: string, options: CommentsOptions = {}): Comments {
  const client = useClient("useComments");
  const room = client.room(target);
  const { status } = useRoom(room);
  const [state, setState] = useState<CommentsState>(EMPTY_COMMENTS);
  const { pageSize } = options;

  const readPage = useCallback(
    async (before: string | null) => {
      setState((s) => ({ ...s, loading: true }));
      try {
        const page = await client.rest.comments(target, { ...(before === null ? {} : { before }), ...(pageSize === undefined ? {} : { limit: pageSize }) });
        // Merged, not replaced: live arrivals may have come in while the page was on its way.
        // After a first page (again, on a resync) the next older page follows it, and comments
        // already shown merge once.
        setState((s) => ({ comments: mergeComments(s.comments, page.items), cursor: page.nextCursor, loading: false, error: null }));
      } catch (error) {
        setState((s) => ({ ...s, loading: false, error: error instanceof Error ? error : new Error(String(error)) }));
      }
    },
    [client, target, pageSize],
  );

  useEffect(() => {
    setState(EMPTY_COMMENTS);
    void readPage(null);
    return room.hold({
      event: (frame) => setState((s) => ({ ...s, comments: [...applyCommentEvent(s.comments, frame.event)] })),
      // The room could not replay what this client missed: what it holds may have gaps.
      hello: (hello) => {
        if (hello.resync) void readPage(null);
      },
    });
  }, [room, readPage]);

  return {
    comments: state.comments,
    status,
    loading: state.loading,
    error: state.error,
    hasMore: state.cursor !== null,
    loadOlder: () => (state.cursor === null ? Promise.resolve() : readPage(state.cursor)),
    post: async (text, replyTo) => {
      const connection = room.connection;
      if (connection === null) throw notConnected();
      const comment = await connection.comment(text, replyTo);
      setState((s) => ({ ...s, comments: mergeComments(s.comments, [comment]) }));
      return comment;
    },
  };
}
