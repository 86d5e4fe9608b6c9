// What the embed costs a page (docs/embed.md "Size"): builds it into a scratch folder and follows
// the static imports from /embed/v1.js, the files a page loads before any element works (lazy
// chunks, such as non-default locales, are listed apart), then the comment section's file that
// v1 loads when a page shows <engage-comments> (its moderation tools and locales listed apart),
// the reaction bar's that it loads for <engage-reactions>, and the moderation view's for
// <engage-moderation>. Each file is minified and counted
// gzipped at level 9, as `gzip -9` would, since each is its own response.
//   node scripts/embed-size.mjs      prints the sizes
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, normalize, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { buildEmbed, EMBED_DIR, HASHED_DIR } from "./build-embed.mjs";

const ROOT = resolve(import.meta.dirname, "..");
/** issue 19: `<engage-like>` plus `<engage-count>`, every script the page loads from us: 15 KB, read as 15,000 B. */
export const LIKE_AND_COUNT_BUDGET_BYTES = 15_000;
/** issue 19: `<engage-comments>` for a reader (moderation tools and other locales lazy): 35 KB, read as 35,000 B. */
export const COMMENTS_BUDGET_BYTES = 35_000;
/** Ours, not the issue's: `<engage-reactions>`, v1 plus the bar's own build (measured 15,631 B when set). */
export const REACTIONS_BUDGET_BYTES = 16_000;
/** Ours, not the issue's: `<engage-moderation>`, v1 plus the view's own build (measured 32,804 B when set, with the People tab, report triage and lazy locales). */
export const MODERATION_BUDGET_BYTES = 34_000;

const STATIC_IMPORT = /(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

const gzipped = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The files reachable from `entry` by static imports, and the dynamic imports they name. */
async function graph(dir, entry) {
  const loaded = new Map();
  const lazy = new Set();
  const visit = async (file) => {
    if (loaded.has(file)) return;
    const bytes = await readFile(join(dir, file));
    loaded.set(file, bytes);
    const text = bytes.toString("utf8");
    for (const [, spec] of text.matchAll(DYNAMIC_IMPORT)) lazy.add(normalize(join(dirname(file), spec)));
    for (const [, spec] of text.replaceAll(DYNAMIC_IMPORT, "").matchAll(STATIC_IMPORT)) await visit(normalize(join(dirname(file), spec)));
  };
  await visit(entry);
  return { loaded, lazy: [...lazy].filter((file) => !loaded.has(file)) };
}

export async function measureEmbed() {
  const scratch = await mkdtemp(join(tmpdir(), "embed-size-"));
  try {
    const { comments, reactions, moderation, inputsOf } = await buildEmbed({ root: ROOT, into: scratch });
    const dir = join(scratch, EMBED_DIR);
    const extras = new Set([comments, reactions, moderation].map((file) => join(HASHED_DIR, file)));
    /** What a page loads from `entry` on (less what it already has, `skip`), and the chunks it may load later. */
    const listed = async (entry, skip) => {
      const { loaded, lazy } = await graph(dir, entry);
      const files = [...loaded].filter(([file]) => !skip.has(file)).map(([file, bytes]) => ({ file, bytes: bytes.length, gzip: gzipped(bytes) }));
      const lazyFiles = await Promise.all(lazy.filter((file) => !extras.has(file)).map(async (file) => ({ file, gzip: gzipped(await readFile(join(dir, file))) })));
      // The sources behind every file it loads now or later, for the no-classic-zod checks.
      const inputs = [...new Set([...files, ...lazyFiles].flatMap(({ file }) => inputsOf[basename(file)] ?? []))];
      return { loaded, files, lazy: lazyFiles, inputs, gzip: files.reduce((sum, f) => sum + f.gzip, 0) };
    };
    const v1 = await listed("v1.js", new Set());
    // <engage-comments> and <engage-reactions>: v1 and its files, then the build v1 imports
    // lazily for that element (and whatever that build loads statically).
    const extra = async (file) => {
      const { files, lazy, inputs, gzip } = await listed(join(HASHED_DIR, file), new Set(v1.loaded.keys()));
      return { files, lazy, inputs, totalGzip: v1.gzip + gzip };
    };
    return {
      files: v1.files,
      lazy: v1.lazy,
      inputs: v1.inputs,
      totalGzip: v1.gzip,
      comments: await extra(comments),
      reactions: await extra(reactions),
      moderation: await extra(moderation),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const size = await measureEmbed();
  for (const f of size.files) console.log(`${f.file}\t${f.bytes} B minified\t${f.gzip} B gzip -9`);
  console.log(`loaded for <engage-like> + <engage-count>: ${size.totalGzip} B gzip -9 (budget ${LIKE_AND_COUNT_BUDGET_BYTES} B)`);
  for (const f of size.lazy) console.log(`lazy ${f.file}\t${f.gzip} B gzip -9`);
  for (const f of size.comments.files) console.log(`${f.file}\t${f.bytes} B minified\t${f.gzip} B gzip -9`);
  console.log(`loaded for <engage-comments>: ${size.comments.totalGzip} B gzip -9 (budget ${COMMENTS_BUDGET_BYTES} B)`);
  for (const f of size.comments.lazy) console.log(`lazy ${f.file}\t${f.gzip} B gzip -9`);
  for (const f of size.reactions.files) console.log(`${f.file}\t${f.bytes} B minified\t${f.gzip} B gzip -9`);
  console.log(`loaded for <engage-reactions>: ${size.reactions.totalGzip} B gzip -9 (budget ${REACTIONS_BUDGET_BYTES} B)`);
  for (const f of size.moderation.files) console.log(`${f.file}\t${f.bytes} B minified\t${f.gzip} B gzip -9`);
  console.log(`loaded for <engage-moderation>: ${size.moderation.totalGzip} B gzip -9 (budget ${MODERATION_BUDGET_BYTES} B)`);
  for (const f of size.moderation.lazy) console.log(`lazy ${f.file}\t${f.gzip} B gzip -9`);
}
