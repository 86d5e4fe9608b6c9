/** One line per suite for the reliability table (scripts/reliability-table.mjs); numbers are measured. */
export type ReliabilityRecord =
  | { kind: "load"; suite: string; ops: number; errors: number }
  | { kind: "fault"; suite: string; fault: string; injected: number; survived: number }
  | { kind: "writes"; suite: string; acknowledged: number; lost: number };

export function printReliability(record: ReliabilityRecord): void {
  console.log(`RELIABILITY ${JSON.stringify(record)}`);
}
