// The embed (client/embed, docs/embed.md) as served under /embed/: imported by
// scripts/build-web.mjs, which puts it into dist/web with the live page.
//
//   embed/v1.js              a one-line module re-exporting the current build; revalidated often
//   embed/v1/<name>-<hash>.js the build itself and its lazy chunks (locales; comments-<hash>.js, the
//                             <engage-comments> section, and reactions-<hash>.js, the
//                             <engage-reactions> bar, and moderation-view-<hash>.js, the
//                             <engage-moderation> view, a build of their own): content-hashed,
//                             immutable, and KEPT after later builds, so a page holding an older
//                             v1.js never gets a 404 on a chunk it loads late
//   embed/manifest.json      the current pinned URL with its SRI hash, and every kept file
//
// A fresh checkout has no earlier files: `--keep-from <origin of the live deployment>` fetches
// the files the live manifest lists (each checked against its recorded hash) before the deploy.
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import * as esbuild from "esbuild";

export const EMBED_DIR = "embed";
export const HASHED_DIR = "v1";
/** How long a file stays after it left the current build: longer than any page stays open. */
const RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

const integrity = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;

async function readManifest(path) {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8"));
    return typeof parsed?.files === "object" && parsed.files !== null ? parsed : { files: {} };
  } catch {
    return { files: {} };
  }
}

/** The live deployment's kept files, downloaded into `hashedDir` unless already there. */
async function fetchKept(origin, hashedDir) {
  const res = await fetch(new URL(`/${EMBED_DIR}/manifest.json`, origin));
  if (!res.ok) throw new Error(`--keep-from: ${res.url} answered ${res.status}`);
  const live = await res.json();
  const have = new Set(await readdir(hashedDir).catch(() => []));
  for (const [file, entry] of Object.entries(live.files ?? {})) {
    const name = basename(file);
    if (have.has(name)) continue;
    const body = new Uint8Array(await (await fetch(new URL(`/${EMBED_DIR}/${HASHED_DIR}/${name}`, origin))).arrayBuffer());
    if (integrity(body) !== entry.integrity) throw new Error(`--keep-from: ${name} does not match its recorded hash`);
    await writeFile(join(hashedDir, name), body);
  }
  return live;
}

/** The output built from the entry point whose path ends with `source`. */
function entryOf(metafile, source) {
  const found = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint?.endsWith(source));
  if (found === undefined) throw new Error(`the embed build made no file for ${source}`);
  return found[0];
}

/**
 * Builds the embed into `into/embed`. `previous` is the folder of the last build (dist/web),
 * whose hashed files are carried over; `keepFrom` an origin to fetch kept files from.
 */
export async function buildEmbed({ root, into, previous, keepFrom, minify = true }) {
  const out = join(into, EMBED_DIR);
  const hashedDir = join(out, HASHED_DIR);
  await mkdir(hashedDir, { recursive: true });
  const common = {
    outdir: out,
    entryNames: `${HASHED_DIR}/[name]-[hash]`,
    chunkNames: `${HASHED_DIR}/[name]-[hash]`,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify,
    metafile: true,
    // No sourcemaps: a `sourceMappingURL` line in every file would count against the size budget.
    legalComments: "none",
    logLevel: "warning",
  };
  // <engage-comments> and the <engage-reactions> bar are a build of their own ("extras"), loaded
  // by v1 only when a page shows one: were they chunks of the v1 build, everything they share
  // with it would move into a shared chunk, and a like button's page would pay for the split
  // (about 600 B gzip of a 15 KB budget). The page's hub is handed to them at run time
  // (client/embed/comments.ts, reactions.ts), so they need none of v1's modules. One build with
  // two entries: they share no module today, so each is one file (plus the section's chunks),
  // the same bytes as two builds; should they come to share one, esbuild splits it out and
  // scripts/embed-size.mjs counts it for both.
  const extras = await esbuild.build({
    ...common,
    entryPoints: { comments: join(root, "client", "embed", "comments", "section.ts"), reactions: join(root, "client", "embed", "reactions", "bar.ts") },
  });
  // <engage-moderation>'s view is a build of its own too, not a third entry of "extras": it
  // shares zod/mini and the REST helper with the comment section, and as one build esbuild would
  // cut the section's shared chunk in three by who reaches what, about 900 B gzip more for every
  // reader of comments. Apart, a moderator's page that shows both pays zod/mini twice (about
  // 9 KB gzip); readers pay nothing.
  const staff = await esbuild.build({
    ...common,
    entryPoints: { "moderation-view": join(root, "client", "embed", "moderation", "view.ts") },
  });
  const commentsEntry = entryOf(extras.metafile, join("comments", "section.ts"));
  const reactionsEntry = entryOf(extras.metafile, join("reactions", "bar.ts"));
  const moderationEntry = entryOf(staff.metafile, join("moderation", "view.ts"));
  const result = await esbuild.build({
    ...common,
    entryPoints: { v1: join(root, "client", "embed", "v1.ts") },
    define: {
      COMMENTS_CHUNK: JSON.stringify(`./${basename(commentsEntry)}`),
      REACTIONS_CHUNK: JSON.stringify(`./${basename(reactionsEntry)}`),
      MODERATION_CHUNK: JSON.stringify(`./${basename(moderationEntry)}`),
    },
    external: ["./comments-*", "./reactions-*", "./moderation-view-*"],
  });
  const entry = entryOf(result.metafile, "v1.ts");
  const outputs = { ...result.metafile.outputs, ...extras.metafile.outputs, ...staff.metafile.outputs };
  const built = Object.keys(outputs).map((path) => basename(path));

  // Earlier builds' files: from the last local build, and from the live deployment if asked.
  const prior = previous === undefined ? { files: {} } : await readManifest(join(previous, EMBED_DIR, "manifest.json"));
  if (previous !== undefined) {
    for (const name of await readdir(join(previous, EMBED_DIR, HASHED_DIR)).catch(() => [])) {
      if (!built.includes(name) && prior.files[name] !== undefined) await writeFile(join(hashedDir, name), await readFile(join(previous, EMBED_DIR, HASHED_DIR, name)));
    }
  }
  const live = keepFrom === undefined ? { files: {} } : await fetchKept(keepFrom, hashedDir);

  const now = Date.now();
  const files = {};
  for (const name of await readdir(hashedDir)) {
    const known = prior.files[name] ?? live.files?.[name];
    const current = built.includes(name);
    const retiredAt = current ? undefined : (known?.retiredAt ?? new Date(now).toISOString());
    if (retiredAt !== undefined && now - Date.parse(retiredAt) > RETENTION_DAYS * DAY_MS) {
      await rm(join(hashedDir, name));
      continue;
    }
    files[name] = { integrity: integrity(await readFile(join(hashedDir, name))), ...(retiredAt === undefined ? {} : { retiredAt }) };
  }

  const entryName = basename(entry);
  // The stable URL is one line: it changes with every build, the code behind it never does.
  await writeFile(join(out, "v1.js"), `export*from"./${HASHED_DIR}/${entryName}";\n`);
  const manifest = {
    v1: { url: `/${EMBED_DIR}/${HASHED_DIR}/${entryName}`, integrity: files[entryName].integrity },
    files,
  };
  await writeFile(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    entry: entryName,
    comments: basename(commentsEntry),
    reactions: basename(reactionsEntry),
    moderation: basename(moderationEntry),
    files: built,
    /** The source files each built file holds, by its name. */
    inputsOf: Object.fromEntries(Object.entries(outputs).map(([path, output]) => [basename(path), Object.keys(output.inputs)])),
  };
}
