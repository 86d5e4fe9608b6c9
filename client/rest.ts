import { parse } from "zod/mini";
import type { $ZodType, output } from "zod/v4/core";
// The zod/mini mirrors, not the classic schemas: the SDK's package stays a few KB of zod.
import {
  BatchCountResponse,
  Comment,
  CommentsPage,
  CountResponse,
  DeletedComment,
  ErrorBody,
  LikeResult,
  LikeStatusResponse,
  LiveTicket,
  StatsResponse,
  TopCommentsResponse,
  UserLikesResponse,
} from "../protocol/mini/rest";

export type LikeAction = "like" | "unlike";

/** A token, or a function asked for a fresh one before every call or (re)connect. */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

export interface RestClientOptions {
  baseUrl: string;
  token?: TokenSource;
  fetch?: typeof fetch;
  /** What a call that needs a token says when there is none (a page may say "sign in first"). */
  missingTokenMessage?: string;
}

/** A non-2xx answer, carrying the API's `{ error: { code, message, details? } }`. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** From the answer's Retry-After (429, 503 and friends): how long the server asked to wait. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "RestError";
  }
}

/**
 * Retry-After is delta-seconds or an HTTP date (RFC 9110 10.2.3); anything else is ignored
 * rather than guessed at. A date in the past means "now".
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // Every HTTP-date form names its month; Date.parse alone would read "-5" as a year.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Typed wrappers over the REST contract. Every answer is parsed with a zod/mini mirror of the
 * schema the Worker validates against (a test proves they agree), so a client never trusts a
 * shape it was not promised.
 */
export function createRestClient(options: RestClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  /** Takes any zod schema, classic or mini: both are a `$ZodType`, parsed the same way. */
  async function request<T extends $ZodType>(
    schema: T,
    path: string,
    init: { method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; body?: unknown; auth?: boolean; headers?: Record<string, string> } = {},
  ): Promise<output<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.auth) {
      const token = typeof options.token === "function" ? await options.token() : options.token;
      if (!token) throw new RestError(401, "unauthorized", options.missingTokenMessage ?? "this call needs a token");
      headers.authorization = `Bearer ${token}`;
    }
    const res = await doFetch(new URL(path, options.baseUrl), {
      method: init.method ?? "GET",
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
      const error = ErrorBody.safeParse(json);
      if (error.success) throw new RestError(res.status, error.data.error.code, error.data.error.message, error.data.error.details, retryAfter);
      throw new RestError(res.status, "http_error", `HTTP ${res.status}`, undefined, retryAfter);
    }
    return parse(schema, json);
  }

  const targetPath = (target: string, view: string) => `/v1/targets/${encodeURIComponent(target)}/${view}`;
  const idempotency = (key: string | undefined): Record<string, string> => (key === undefined ? {} : { "idempotency-key": key });

  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
    return search.size > 0 ? `?${search}` : "";
  };

  return {
    /** Any route, parsed with its protocol schema; the named helpers below are built on it. */
    request,
    /** Posts a comment or a reply; pass an idempotencyKey to make a retry post once. */
    postComment: (target: string, text: string, opts: { replyTo?: string; idempotencyKey?: string } = {}) =>
      request(Comment, targetPath(target, "comments"), {
        method: "POST",
        body: opts.replyTo === undefined ? { text } : { text, replyTo: opts.replyTo },
        auth: true,
        headers: idempotency(opts.idempotencyKey),
      }),
    /** Newest first; pass the previous page's nextCursor as `before` for the next page. */
    comments: (target: string, page: { before?: string; limit?: number; replyTo?: string } = {}) =>
      request(CommentsPage, targetPath(target, "comments") + query(page)),
    topComments: (target: string, limit?: number) => request(TopCommentsResponse, targetPath(target, "comments/top") + query({ limit })),
    deleteComment: (target: string, commentId: string) =>
      request(DeletedComment, targetPath(target, `comments/${encodeURIComponent(commentId)}`), { method: "DELETE", auth: true }),
    like: (target: string, action: LikeAction = "like", opts: { idempotencyKey?: string } = {}) =>
      request(LikeResult, "/v1/likes", { method: "POST", body: { target, action }, auth: true, headers: idempotency(opts.idempotencyKey) }),
    toggle: (target: string, opts: { idempotencyKey?: string } = {}) =>
      request(LikeResult, "/v1/likes/toggle", { method: "POST", body: { target }, auth: true, headers: idempotency(opts.idempotencyKey) }),
    /** A single-use ticket for one live socket of this user on this target (valid 30 s). */
    liveTicket: (target: string) => request(LiveTicket, "/v1/live/tickets", { method: "POST", body: { target }, auth: true }),
    count: (target: string) => request(CountResponse, targetPath(target, "count")),
    stats: (target: string) => request(StatsResponse, targetPath(target, "stats")),
    batchCounts: (targets: string[]) => request(BatchCountResponse, "/v1/counts/batch", { method: "POST", body: { targets } }),
    likeStatus: (userId: string, target: string) =>
      request(LikeStatusResponse, `/v1/users/${encodeURIComponent(userId)}/likes/${encodeURIComponent(target)}`),
    userLikes: (userId: string, page: { limit?: number; cursor?: string } = {}) =>
      request(UserLikesResponse, `/v1/users/${encodeURIComponent(userId)}/likes${query(page)}`),
  };
}

export type RestClient = ReturnType<typeof createRestClient>;
