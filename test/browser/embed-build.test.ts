import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
// @ts-expect-error -- plain .mjs build script (scripts/build-web.mjs imports it too); its answers are parsed below.
import { buildEmbed } from "../../scripts/build-embed.mjs";

// The embed's hashed files outlive deploys (docs/embed.md "Chunks outlive deploys"): a page
// holding an older v1.js may still fetch an older chunk, so a build keeps every earlier hashed
// file, from the last local build or from the live deployment, for 90 days after it retired.

const ROOT = resolve(import.meta.dirname, "../..");
const Manifest = z.object({
  v1: z.object({ url: z.string(), integrity: z.string() }),
  files: z.record(z.string(), z.object({ integrity: z.string(), retiredAt: z.string().optional() })),
});
const Built = z.object({ entry: z.string(), comments: z.string(), reactions: z.string(), files: z.array(z.string()) });

const scratch: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "embed-build-"));
  scratch.push(dir);
  return dir;
}
const sri = (bytes: Buffer | string) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;
const manifestOf = async (dir: string) => Manifest.parse(JSON.parse(await readFile(join(dir, "embed", "manifest.json"), "utf8")));

/** A previous build as a deploy left it, plus an older chunk it still kept (retired `daysAgo`, or current then). */
async function previousWith(chunks: Record<string, number | null>): Promise<string> {
  const previous = await folder();
  Built.parse(await buildEmbed({ root: ROOT, into: previous }));
  const manifest = await manifestOf(previous);
  for (const [name, daysAgo] of Object.entries(chunks)) {
    const body = `export const messages = ${JSON.stringify(name)};\n`;
    await writeFile(join(previous, "embed", "v1", name), body);
    manifest.files[name] = { integrity: sri(body), ...(daysAgo === null ? {} : { retiredAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString() }) };
  }
  await writeFile(join(previous, "embed", "manifest.json"), JSON.stringify(manifest));
  return previous;
}

describe("the embed build", () => {
  it("keeps an earlier build's hashed files, marks them retired, and drops them 90 days after", async () => {
    const previous = await previousWith({ "de-OLDAAAAA.js": null, "es-OLDBBBBB.js": 10, "ja-OLDCCCCC.js": 91, "reactions-OLDDDDDD.js": null });
    const next = await folder();
    const built = Built.parse(await buildEmbed({ root: ROOT, into: next, previous }));
    const kept = await readdir(join(next, "embed", "v1"));
    expect(kept).toEqual(expect.arrayContaining([...built.files, "de-OLDAAAAA.js", "es-OLDBBBBB.js", "reactions-OLDDDDDD.js"]));
    expect(kept).not.toContain("ja-OLDCCCCC.js");
    const manifest = await manifestOf(next);
    // Retired now (it was current in the previous build), or still on its first retirement date.
    expect(Date.now() - Date.parse(manifest.files["de-OLDAAAAA.js"]!.retiredAt!)).toBeLessThan(60_000);
    expect(manifest.files["es-OLDBBBBB.js"]!.retiredAt).toBe((await manifestOf(previous)).files["es-OLDBBBBB.js"]!.retiredAt);
    // The current build's files are not retired, and the pinned URL's hash is its file's.
    for (const name of built.files) expect(manifest.files[name]?.retiredAt).toBeUndefined();
    // v1 loads the comment section and the reaction bar (the extras build) by hashed name: listed too, with their SRI hashes.
    expect(built.files).toEqual(expect.arrayContaining([built.entry, built.comments, built.reactions]));
    for (const name of [built.comments, built.reactions]) expect(manifest.files[name]?.integrity).toBe(sri(await readFile(join(next, "embed", "v1", name))));
    expect(await readFile(join(next, "embed", "v1", built.entry), "utf8")).toContain(`"./${built.reactions}"`);
    expect(manifest.v1.integrity).toBe(sri(await readFile(join(next, manifest.v1.url))));
    expect(await readFile(join(next, "embed", "v1.js"), "utf8")).toBe(`export*from"./v1/${built.entry}";\n`);
  });

  it("with --keep-from, fetches the files the live deployment lists and refuses one that does not match its hash", async () => {
    const live = await previousWith({ "de-LIVEAAAA.js": 3 });
    const serve = async (tamper: boolean) => {
      const server = createServer((req, res) => {
        void (async () => {
          const path = join(live, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
          const body = await readFile(path).catch(() => null);
          if (body === null) res.writeHead(404).end();
          else res.writeHead(200).end(tamper && path.endsWith("de-LIVEAAAA.js") ? Buffer.concat([body, Buffer.from("//x")]) : body);
        })();
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      return `http://127.0.0.1:${address.port}`;
    };

    const fresh = await folder();
    await mkdir(join(fresh, "embed", "v1"), { recursive: true });
    await buildEmbed({ root: ROOT, into: fresh, keepFrom: await serve(false) });
    expect(await readdir(join(fresh, "embed", "v1"))).toContain("de-LIVEAAAA.js");
    expect((await manifestOf(fresh)).files["de-LIVEAAAA.js"]?.retiredAt).toBe((await manifestOf(live)).files["de-LIVEAAAA.js"]!.retiredAt);

    const other = await folder();
    await expect(buildEmbed({ root: ROOT, into: other, keepFrom: await serve(true) })).rejects.toThrow(/does not match its recorded hash/);
  });
});
