import { env } from "cloudflare:test";
import { z } from "zod";
import { LAKE_PREFIX } from "../../workers/event-lake";

/** A lake row as docs/lake.md describes it (the type's own fields pass through). */
export const LakeRow = z
  .object({
    event_id: z.string(),
    type: z.string(),
    target: z.string(),
    user: z.string().nullable(),
    at: z.number(),
    epoch: z.number(),
    seq: z.number(),
  })
  .passthrough();
export type LakeRow = z.infer<typeof LakeRow>;

/** Every lake object of `target` (any hour), with its version (a new one per write), in key order. */
export async function lakeObjectsOf(target: string): Promise<{ key: string; version: string }[]> {
  const found: { key: string; version: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.LAKE.list({ prefix: LAKE_PREFIX, ...(cursor === undefined ? {} : { cursor }) });
    for (const object of page.objects) if (object.key.includes(`/${target}/`)) found.push({ key: object.key, version: object.version });
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

export async function readLakeObject(key: string): Promise<LakeRow[]> {
  const object = await env.LAKE.get(key);
  if (object === null) throw new Error(`no lake object ${key}`);
  const text = await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => LakeRow.parse(JSON.parse(line)));
}

/** Every lake row of `target`, duplicates included (a test counts them). */
export async function lakeRowsOf(target: string): Promise<LakeRow[]> {
  const rows: LakeRow[] = [];
  for (const { key } of await lakeObjectsOf(target)) rows.push(...(await readLakeObject(key)));
  return rows.sort((a, b) => a.epoch - b.epoch || a.seq - b.seq);
}

/** Every lake row of any of `targets`, each event once, from one listing of the lake. */
export async function lakeRowsOfTargets(targets: readonly string[]): Promise<LakeRow[]> {
  const wanted = new Set(targets);
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.LAKE.list({ prefix: LAKE_PREFIX, ...(cursor === undefined ? {} : { cursor }) });
    for (const object of page.objects) if (object.key.split("/").some((part) => wanted.has(part))) keys.push(object.key);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  const rows = new Map<string, LakeRow>();
  for (const key of keys) for (const row of await readLakeObject(key)) if (wanted.has(row.target)) rows.set(row.event_id, row);
  return [...rows.values()];
}
