import { createRestClient, RestError, type TokenSource } from "./rest";

export type { TokenSource } from "./rest";

/**
 * The ticket route said no for good (401/403, or another 4xx a retry cannot fix): asking
 * again with the same token would only be refused again, so the socket stops until told to
 * reconnect (after a new sign-in, say).
 */
export class TicketRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "TicketRefusedError";
  }
}

/** A wait before the next ticket request, and why: shown to the caller, never swallowed. */
export interface TicketRetry {
  error: Error;
  status: number | null;
  delayMs: number;
  /** Whether the delay is the server's Retry-After (else our own backoff). */
  retryAfter: boolean;
}

export interface TicketSourceOptions {
  baseUrl: string;
  target: string;
  token?: TokenSource;
  fetch?: typeof fetch;
  minDelayMs: number;
  maxDelayMs: number;
  onRetry?: (retry: TicketRetry) => void;
}

/**
 * A server that asks for more than this is either broken or under attack; the client checks
 * back rather than sleep for an hour on one header.
 */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
const BACKOFF_GROWTH = 1.5;

/** 408 and 429 are "not now", 5xx "not here right now"; every other 4xx is an answer. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export async function readToken(source: TokenSource | undefined): Promise<string | null> {
  const token = typeof source === "function" ? await source() : source;
  return token || null;
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts (a closed connection waits for nothing). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * What a socket presents on each (re)connect: a ticket minted just now for a signed-in
 * client, or null for a viewer (no token, no ticket, read-only). A ticket is single use and
 * lives 30 s, so it is never cached: every attempt asks for a new one, with a token read
 * fresh from the source. 429 and 5xx are waited out (Retry-After when the server sends one,
 * else a growing backoff); a refusal throws TicketRefusedError.
 */
export function ticketSource(options: TicketSourceOptions): (signal: AbortSignal) => Promise<string | null> {
  return async (signal) => {
    for (let attempt = 0; ; attempt++) {
      const token = await readToken(options.token);
      if (signal.aborted) throw signal.reason;
      if (token === null) return null;
      const rest = createRestClient({ baseUrl: options.baseUrl, token, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
      try {
        return (await rest.liveTicket(options.target)).ticket;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof RestError && !retryable(error.status)) throw new TicketRefusedError(error.status, error.code, error.message);
        const backoff = Math.min(options.maxDelayMs, options.minDelayMs * BACKOFF_GROWTH ** attempt);
        const asked = error instanceof RestError && error.retryAfterSeconds !== undefined ? Math.min(MAX_RETRY_AFTER_MS, error.retryAfterSeconds * 1000) : undefined;
        const delayMs = asked === undefined ? backoff : Math.max(asked, options.minDelayMs);
        options.onRetry?.({
          error: error instanceof Error ? error : new Error(String(error)),
          status: error instanceof RestError ? error.status : null,
          delayMs,
          retryAfter: asked !== undefined,
        });
        await sleep(delayMs, signal);
      }
    }
  };
}
