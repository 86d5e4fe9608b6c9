// Prints the reliability table from the `RELIABILITY {...}` lines tests write to stdout
// (test/reliability/record.ts, test/workerd/reliability-record.ts): load held, faults injected
// and survived, bad inputs tried and refused, writes acknowledged and lost.
// Usage: node scripts/reliability-table.mjs test-output/reliability-*.log
import { readFileSync } from "node:fs";
import { z } from "zod";

const Count = z.number().int().nonnegative();
const Record = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("load"), suite: z.string(), ops: Count, errors: Count }),
  z.object({ kind: z.literal("fault"), suite: z.string(), fault: z.string(), injected: Count, survived: Count }),
  z.object({ kind: z.literal("bad-input"), suite: z.string(), tried: Count, refused: Count }),
  z.object({ kind: z.literal("writes"), suite: z.string(), acknowledged: Count, lost: Count }),
]);

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const records = [];
let malformed = 0;
for (const file of process.argv.slice(2)) {
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.replace(ANSI, "").trim();
    if (!line.startsWith("RELIABILITY ")) continue;
    let json;
    try {
      json = JSON.parse(line.slice("RELIABILITY ".length));
    } catch {
      malformed++;
      continue;
    }
    const parsed = Record.safeParse(json);
    if (parsed.success) records.push(parsed.data);
    else malformed++;
  }
}

const SECTIONS = [
  { kind: "load", title: "Load held", columns: ["ops", "errors"], ok: (r) => r.errors === 0 },
  { kind: "fault", title: "Faults injected and survived", columns: ["fault", "injected", "survived"], ok: (r) => r.survived === r.injected && r.injected > 0 },
  { kind: "bad-input", title: "Bad inputs tried and refused", columns: ["tried", "refused"], ok: (r) => r.refused === r.tried && r.tried > 0 },
  { kind: "writes", title: "Writes acknowledged and lost", columns: ["acknowledged", "lost"], ok: (r) => r.lost === 0 && r.acknowledged > 0 },
];

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

console.log("\nReliability");
for (const section of SECTIONS) {
  const rows = records.filter((r) => r.kind === section.kind);
  console.log(`\n${section.title}`);
  if (rows.length === 0) {
    console.log("  (none recorded)");
    continue;
  }
  const headers = ["suite", ...section.columns, "verdict"];
  console.log(table(headers, rows.map((r) => [r.suite, ...section.columns.map((c) => String(r[c])), section.ok(r) ? "ok" : "CHECK"])));
  if (section.kind === "load" || section.kind === "writes") {
    const a = section.columns[0];
    const b = section.columns[1];
    console.log(`total: ${rows.reduce((n, r) => n + r[a], 0)} ${a}, ${rows.reduce((n, r) => n + r[b], 0)} ${b}`);
  }
}
if (malformed > 0) console.log(`\n${malformed} RELIABILITY line(s) did not parse`);
