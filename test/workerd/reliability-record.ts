/** One line per suite for the reliability table (see scripts/test-reliability.sh); numbers are measured. */
export type ReliabilityRecord =
  | { kind: "bad-input"; suite: string; tried: number; refused: number }
  | { kind: "load"; suite: string; ops: number; errors: number }
  | { kind: "fault"; suite: string; fault: string; injected: number; survived: number };

export function printReliability(record: ReliabilityRecord): void {
  console.log(`RELIABILITY ${JSON.stringify(record)}`);
}
