import { LikeResult } from "../protocol/likes";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyLookup =
  | { kind: "miss" }
  | { kind: "hit"; result: LikeResult }
  | { kind: "conflict"; firstFingerprint: string };

/**
 * Remembers the first answer to each (user, Idempotency-Key) for 24 hours. The fingerprint
 * is the requested action, so a key reused for a different action is refused rather than
 * silently answered with an unrelated result.
 */
export class IdempotencyStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
  ) {}

  lookup(scope: string, fingerprint: string): IdempotencyLookup {
    const row = this.sql
      .exec<{ fingerprint: string; response: string; created_at: number }>(
        "SELECT fingerprint, response, created_at FROM idempotency WHERE key = ?",
        scope,
      )
      .toArray()[0];
    if (!row || row.created_at < this.now() - IDEMPOTENCY_TTL_MS) return { kind: "miss" };
    if (row.fingerprint !== fingerprint) return { kind: "conflict", firstFingerprint: row.fingerprint };
    return { kind: "hit", result: LikeResult.parse(JSON.parse(row.response)) };
  }

  remember(scope: string, fingerprint: string, result: LikeResult): void {
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
