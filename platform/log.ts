/**
 * One JSON line per event worth knowing, so `wrangler tail` and Workers Logs can filter by
 * field. Callers pass user ids at most: never tokens or request bodies.
 */
export function logEvent(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, at: new Date().toISOString(), ...fields }));
}
