/**
 * What the host page tells the embed: `configure({ token, baseUrl })` once, from a module
 * script. `token` is the site's own sign-in (docs/identity.md providers); it is asked before
 * every (re)connect and traded for a single-use socket ticket, so it never travels in a URL.
 */
export type TokenProvider = () => Promise<string | null | undefined> | string | null | undefined;

export interface EmbedOptions {
  /** The site's token for the signed-in user, or null for read-only. */
  token?: TokenProvider | null;
  /** Where the API is; default the origin this script was loaded from. */
  baseUrl?: string;
}

let options: EmbedOptions = {};
const changes = new Set<() => void>();

/** Merges `next` into the configuration; live connections sign in again with the new token. */
export function configure(next: EmbedOptions): void {
  options = { ...options, ...next };
  for (const listener of changes) listener();
}

export function onConfigure(listener: () => void): () => void {
  changes.add(listener);
  return () => changes.delete(listener);
}

/**
 * The token now, or null for read-only. A provider that throws (the site's session endpoint
 * unreachable during a network cut) rejects, and the socket tries again later: signing a
 * visitor out because a fetch failed would drop the writes they made offline.
 */
export async function currentToken(): Promise<string | null> {
  return (await options.token?.()) || null;
}

// A chunk of this script knows where it was loaded from: the API is served from the same Worker.
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

/** The element's `base-url`, else configure()'s, else the script's own origin. */
export function baseUrlOf(element: Element): string {
  return new URL(element.getAttribute("base-url") ?? options.baseUrl ?? SCRIPT_ORIGIN).origin;
}
