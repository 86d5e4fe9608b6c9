import { z } from "zod";
import { ErrorBody } from "../../protocol/errors";

const STORAGE_KEY = "live-page-session";
/** Renew a little before expiry, so a socket reconnect never presents a dead token. */
const RENEW_BEFORE_MS = 5 * 60_000;

const Session = z.object({ token: z.string(), userId: z.string(), name: z.string(), expiresAt: z.string() });
export type Session = z.infer<typeof Session>;

type Listener = (session: Session | null) => void;

/**
 * Development sign-in: the page asks `POST /v1/dev/token` (which exists only when the Worker
 * runs with ENVIRONMENT=development) for a token of the chosen user. Kept per tab in
 * sessionStorage, so two tabs can be two users.
 */
export class SessionStore {
  private session: Session | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly baseUrl: string) {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    const parsed = stored === null ? null : Session.safeParse(safeJson(stored));
    if (parsed?.success && Date.parse(parsed.data.expiresAt) > Date.now()) this.session = parsed.data;
  }

  get current(): Session | null {
    return this.session;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(userId: string, name?: string): Promise<Session> {
    const res = await fetch(new URL("/v1/dev/token", this.baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(name ? { userId, name } : { userId }),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const error = ErrorBody.safeParse(json);
      if (res.status === 404) throw new Error("dev sign-in is off: the Worker is not running with ENVIRONMENT=development");
      throw new Error(error.success ? error.data.error.message : `sign-in failed (HTTP ${res.status})`);
    }
    const session = Session.parse(json);
    this.set(session);
    return session;
  }

  signOut(): void {
    this.set(null);
  }

  /** The token for a request or a socket (re)connect; renews it when it is about to expire. */
  async token(): Promise<string | null> {
    const session = this.session;
    if (session === null) return null;
    if (Date.parse(session.expiresAt) - Date.now() < RENEW_BEFORE_MS) {
      try {
        return (await this.signIn(session.userId, session.name)).token;
      } catch {
        return session.token;
      }
    }
    return session.token;
  }

  private set(session: Session | null): void {
    this.session = session;
    if (session === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    for (const listener of this.listeners) listener(session);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
