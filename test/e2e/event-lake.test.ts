import { inject, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { sign } from "hono/jwt";
import { DuckDBInstance } from "@duckdb/node-api";
import { E2E_AUTH_SECRET, e2eToken, uniqueTarget, uniqueUser } from "./secret";

// The event lake end to end (docs/lake.md): many users like, unlike, comment and react over
// HTTP against `wrangler dev`; the queue consumer writes the lake; the test downloads every
// object through the development route and counts with a real engine, DuckDB, whose
// extension downloads are switched off (its JSON reader is built in).

const baseUrl = () => inject("baseUrl");
const USERS = 30;
const TARGETS = 4;

async function adminToken(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: uniqueUser(), iat: now, exp: now + 600, roles: ["admin"] }, E2E_AUTH_SECRET, "HS256");
}

async function post(path: string, token: string, body: unknown): Promise<{ changed?: boolean; id?: string }> {
  const res = await fetch(`${baseUrl()}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { changed?: boolean; id?: string };
}

/** Every lake object key under `events/`, through GET /v1/dev/lake. */
async function lakeKeys(admin: string): Promise<{ key: string; events: number | null }[]> {
  const keys: { key: string; events: number | null }[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`;
    const res = await fetch(`${baseUrl()}/v1/dev/lake${query}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { objects: { key: string; events: number | null }[]; cursor: string | null };
    keys.push(...page.objects);
    cursor = page.cursor;
  } while (cursor !== null);
  return keys;
}

describe("event lake under wrangler dev", () => {
  it("holds every acknowledged event exactly once, and no user id, as DuckDB counts it", { timeout: 180_000 }, async () => {
    const targets = Array.from({ length: TARGETS }, () => uniqueTarget());
    const users = Array.from({ length: USERS }, () => uniqueUser());
    let acknowledged = 0;
    const count = (changed: boolean | undefined) => {
      if (changed === true) acknowledged++;
    };
    await Promise.all(
      users.map(async (userId, u) => {
        const token = await e2eToken(userId);
        for (const [t, target] of targets.entries()) {
          if ((u + t) % 2 === 0) continue;
          count((await post("/v1/likes", token, { target, action: "like" })).changed);
          if (u % 3 === 0) count((await post("/v1/likes", token, { target, action: "unlike" })).changed);
          count((await post("/v1/reactions", token, { target, emoji: "love", action: "add" })).changed);
          if (u % 5 === 0) {
            await post(`/v1/targets/${encodeURIComponent(target)}/comments`, token, { text: `hello from ${u}` });
            acknowledged++;
          }
        }
      }),
    );
    expect(acknowledged).toBeGreaterThan(USERS);

    const admin = await adminToken();
    const ours = (key: string) => targets.some((target) => key.includes(`/${target}/`));
    const deadline = Date.now() + 60_000;
    let keys = (await lakeKeys(admin)).filter((object) => ours(object.key));
    while (keys.reduce((n, object) => n + (object.events ?? 0), 0) < acknowledged && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      keys = (await lakeKeys(admin)).filter((object) => ours(object.key));
    }

    const dir = mkdtempSync(join(tmpdir(), "engagement-lake-"));
    try {
      for (const [i, { key }] of keys.entries()) {
        const res = await fetch(`${baseUrl()}/v1/dev/lake/object?key=${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${admin}` } });
        expect(res.status).toBe(200);
        writeFileSync(join(dir, `${i}.ndjson.gz`), Buffer.from(await res.arrayBuffer()));
      }
      const db = await DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
      const connection = await db.connect();
      const reader = `read_json('${dir}/*.ndjson.gz', format = 'newline_delimited', compression = 'gzip', union_by_name = true)`;
      const [totals] = (await connection.runAndReadAll(`SELECT count(DISTINCT event_id) AS distinct_events, count(*) AS events FROM ${reader}`)).getRowObjects();
      expect({ distinct: Number(totals!.distinct_events), all: Number(totals!.events) }).toEqual({ distinct: acknowledged, all: acknowledged });

      const idList = users.map((userId) => `'${userId}'`).join(", ");
      const [leaks] = (await connection.runAndReadAll(`SELECT count(*) AS n FROM ${reader} WHERE "user" IN (${idList})`)).getRowObjects();
      expect(Number(leaks!.n)).toBe(0);
      // Nor anywhere else in a row (the files are small: read them whole).
      const text = keys.map((_, i) => gunzipSync(readFileSync(join(dir, `${i}.ndjson.gz`))).toString("utf8")).join("");
      expect(users.filter((userId) => text.includes(userId))).toEqual([]);
      connection.closeSync();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
