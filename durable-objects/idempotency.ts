import type { z } from "zod";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyLookup<T> = { kind: "miss" } | { kind: "hit"; result: T } | { kind: "conflict"; firstFingerprint: string };

/**
 * Keys are scoped per user (so one user's key never answers another's request) and per kind
 * of write. Likes keep the bare `${userId}\0${key}` form they always had. Every scope starts
 * with `${userId}\0`, which is how a user's deletion finds all of them.
 */
export function idempotencyScope(userId: string, key: string, kind: "like" | "comment" | "react" = "like"): string {
  return kind === "like" ? `${userId}\u0000${key}` : `${userId}\u0000${kind}\u0000${key}`;
}

/**
 * Remembers the first answer to each (user, Idempotency-Key) for 24 hours. The fingerprint
 * describes the request (the action, or a hash of a comment), so a key reused for a
 * different request is refused rather than silently answered with an unrelated result.
 */
export class IdempotencyStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
  ) {}

  lookup<T>(scope: string, fingerprint: string, schema: z.ZodType<T>): IdempotencyLookup<T> {
    const row = this.sql
      .exec<{ fingerprint: string; response: string; created_at: number }>(
        "SELECT fingerprint, response, created_at FROM idempotency WHERE key = ?",
        scope,
      )
      .toArray()[0];
    if (!row || row.created_at < this.now() - IDEMPOTENCY_TTL_MS) return { kind: "miss" };
    if (row.fingerprint !== fingerprint) return { kind: "conflict", firstFingerprint: row.fingerprint };
    return { kind: "hit", result: schema.parse(JSON.parse(row.response)) };
  }

  /**
   * Whether a request under this scope was already answered (whatever it asked): such a repeat
   * gets its first answer (or its conflict) from the ledger and must not go through, or use up,
   * any limit on the way.
   */
  remembers(scope: string): boolean {
    return this.sql.exec("SELECT 1 FROM idempotency WHERE key = ? AND created_at >= ?", scope, this.now() - IDEMPOTENCY_TTL_MS).toArray().length > 0;
  }

  remember(scope: string, fingerprint: string, result: unknown): void {
    this.sql.exec(
      `INSERT INTO idempotency (key, fingerprint, response, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, response = excluded.response, created_at = excluded.created_at`,
      scope,
      fingerprint,
      JSON.stringify(result),
      this.now(),
    );
  }

  /** Deletes expired keys; returns how many remain so the caller knows whether to come back. */
  purgeExpired(): number {
    this.sql.exec("DELETE FROM idempotency WHERE created_at < ?", this.now() - IDEMPOTENCY_TTL_MS);
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency").one().n;
  }
}
