import { gunzipSync } from "node:zlib";
import { z } from "zod";

/** A lake row as docs/lake.md describes it (only what these tests look at). */
export const LakeRow = z.object({ event_id: z.string(), type: z.string(), target: z.string(), user: z.string().nullable(), seq: z.number().int(), epoch: z.number().int() });
export type LakeRow = z.infer<typeof LakeRow>;

const LakePage = z.object({ objects: z.array(z.object({ key: z.string() })), cursor: z.string().nullable() });

/**
 * Every lake row of `targets`, duplicates included, read through the development routes
 * (GET /v1/dev/lake, GET /v1/dev/lake/object) of a running dev server: the lake lives in the
 * server's own R2 simulation, which only the server reads.
 */
export async function lakeRows(url: string, adminToken: string, targets: readonly string[]): Promise<LakeRow[]> {
  const headers = { authorization: `Bearer ${adminToken}` };
  const rows: LakeRow[] = [];
  for (const key of await lakeKeys(url, adminToken, targets)) {
    const res = await fetch(`${url}/v1/dev/lake/object?key=${encodeURIComponent(key)}`, { headers });
    if (res.status !== 200) throw new Error(`lake object ${key}: ${res.status}`);
    const text = gunzipSync(Buffer.from(await res.arrayBuffer())).toString("utf8");
    for (const line of text.split("\n")) if (line !== "") rows.push(LakeRow.parse(JSON.parse(line)));
  }
  return rows;
}

/** The keys of `targets`' lake objects (a listing only, no object read). */
export async function lakeKeys(url: string, adminToken: string, targets: readonly string[]): Promise<string[]> {
  const headers = { authorization: `Bearer ${adminToken}` };
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`;
    const res = await fetch(`${url}/v1/dev/lake${query}`, { headers });
    if (res.status !== 200) throw new Error(`GET /v1/dev/lake: ${res.status}`);
    const page = LakePage.parse(await res.json());
    keys.push(...page.objects.map((object) => object.key).filter((key) => targets.some((target) => key.includes(`/${target}/`))));
    cursor = page.cursor;
  } while (cursor !== null);
  return keys;
}
