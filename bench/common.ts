import { sign } from "hono/jwt";

/** The dev server the benchmark starts signs tokens with this secret (loopback only). */
export const SECRET = "bench-secret-for-the-local-dev-server-only";

export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Resolves true when `done` settles within `ms`, false when the time ran out first. */
export async function within(done: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const outcome = await Promise.race([done.then(() => true as const), timeout]);
  clearTimeout(timer);
  return outcome;
}

/** A fan-out's figures from its measured rounds (trigger -> last / first socket), in ms. */
export function roundFigures(latencies: readonly number[], firsts: readonly number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    rounds: latencies.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    /** Trigger to the FIRST socket with the new count: the rest of p50 is the fan-out itself. */
    firstP50Ms: percentile([...firsts].sort((a, b) => a - b), 50),
    /** Every measured round in order, so a tail can be matched with what ran beside it. */
    latenciesMs: latencies.map((ms) => Math.round(ms * 10) / 10),
  };
}

export async function token(userId: string, roles?: string[]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: userId, iat: now, exp: now + 3600, ...(roles === undefined ? {} : { roles }) }, SECRET, "HS256");
}

export function progress(line: string): void {
  process.stdout.write(`${line}\n`);
}
