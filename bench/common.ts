import { sign } from "hono/jwt";

/** The dev server the benchmark starts signs tokens with this secret (loopback only). */
export const SECRET = "bench-secret-for-the-local-dev-server-only";

export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export async function token(userId: string, roles?: string[]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + 3600, ...(roles === undefined ? {} : { roles }) }, SECRET, "HS256");
}

export function progress(line: string): void {
  process.stdout.write(`${line}\n`);
}
