// `tsx bench/merge.ts a.json b.json ...`: one report from runs that each measured some sections
// (BENCH_SKIP), with the targets judged again over the union. For a machine where one full run
// does not fit the time at hand; the merged file names its parts, so nobody mistakes it for one run.
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { judge } from "./targets";

const SECTIONS = ["http", "rpc", "fanout", "rss", "cost"] as const;

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) throw new Error("usage: tsx bench/merge.ts <results.json>...");
  const merged: Record<string, unknown> = { at: new Date().toISOString(), mergedFrom: files, checks: [] };
  for (const file of files) {
    const part = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    for (const section of SECTIONS) {
      if (part[section] === undefined) continue;
      const before = merged[section];
      merged[section] = Array.isArray(before) && Array.isArray(part[section]) ? [...before, ...(part[section] as unknown[])] : part[section];
    }
    (merged.checks as unknown[]).push(...((part.checks as unknown[] | undefined) ?? []));
  }
  merged.targets = judge(merged as never);
  const out = join(resolve(import.meta.dirname, "results"), `bench-merged-${new Date().toISOString().replaceAll(":", "-")}.json`);
  await writeFile(out, JSON.stringify(merged, null, 2));
  for (const t of merged.targets as { name: string; value: number | null; limit: number; met: boolean | null }[]) {
    process.stdout.write(`${t.met === null ? "n/a " : t.met ? "met " : "MISS"} ${t.name.padEnd(26)} ${t.value === null ? "not measured" : t.value.toFixed(2)}  limit ${t.limit}\n`);
  }
  process.stdout.write(`wrote ${out}\n`);
}

void main();
