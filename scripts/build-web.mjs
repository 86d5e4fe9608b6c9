// Builds the live page (client/web) into dist/web, the folder wrangler.toml serves as static
// assets. `npm run dev` and the browser tests run it, so the page served always matches the code.
//   node scripts/build-web.mjs            one build
//   node scripts/build-web.mjs --watch    rebuild on change (next to a running `wrangler dev`)
//   node scripts/build-web.mjs --keep-from https://engage.example.com
//                                         before a deploy from a fresh checkout: keeps the embed's
//                                         earlier chunks that the live deployment serves (docs/embed.md)
// The embed (client/embed -> dist/web/embed) is built by scripts/build-embed.mjs.
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import * as esbuild from "esbuild";
import { buildEmbed } from "./build-embed.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCE = join(ROOT, "client", "web");
const OUT = join(ROOT, "dist", "web");
// `_headers` gives the page and its files their security headers (CSP and friends).
const STATIC_FILES = ["index.html", "styles.css", "_headers"];

function copyStatic(into) {
  return async () => {
    await Promise.all(STATIC_FILES.map((file) => copyFile(join(SOURCE, file), join(into, file))));
  };
}

// `import { z } from "zod"` is the namespace of zod's classic API (zod/index.js re-exports
// v4/classic/external.js as `z`). Bundled through that re-export, esbuild keeps the whole
// namespace, every locale included (~93 KB gzip); imported straight as a namespace it keeps only
// what is used. The page's own sources (client/, protocol/) are read with that one import line
// rewritten: the same module, the same objects, about 60 KB gzip less. The Worker and the
// tests import zod as written. (The embed uses zod/mini and never classic zod.)
const ZOD_CLASSIC = join(dirname(createRequire(import.meta.url).resolve("zod")), "v4", "classic", "external.js");
const zodNamespace = {
  name: "zod-namespace",
  setup(build) {
    build.onLoad({ filter: /[\\/](client|protocol)[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      return { contents: text.replace(/^import \{ z \} from "zod";$/gm, `import * as z from ${JSON.stringify(ZOD_CLASSIC)};`), loader: "ts" };
    });
  },
};

/**
 * The page's <engage-comments> (client/embed/comments.ts) imports the comment section's own
 * build, as it does on other sites: the page points it at the embed's hashed file beside it
 * (/embed/v1/comments-<hash>.js), so the page and other sites load the same section file; the
 * same for <engage-moderation>'s view (/embed/v1/moderation-view-<hash>.js).
 */
function options(into, chunks, plugins = []) {
  return {
    // The embed's <engage-reactions> imports its bar by a name the embed build fills in with the
    // hashed file (scripts/build-embed.mjs); the page names the source, so its one bundle holds it.
    define: {
      COMMENTS_CHUNK: JSON.stringify(`./embed/v1/${chunks.comments}`),
      MODERATION_CHUNK: JSON.stringify(`./embed/v1/${chunks.moderation}`),
      REACTIONS_CHUNK: JSON.stringify("./reactions/bar"),
    },
    external: ["./embed/*"],
    entryPoints: [join(SOURCE, "main.ts")],
    outfile: join(into, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    sourcemap: true,
    minify: !process.argv.includes("--watch"),
    logLevel: "warning",
    plugins: [zodNamespace, { name: "copy-static", setup: (build) => build.onEnd(copyStatic(into)) }, ...plugins],
  };
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

const keepFromAt = process.argv.indexOf("--keep-from");
const keepFrom = keepFromAt === -1 ? undefined : process.argv[keepFromAt + 1];

await mkdir(OUT, { recursive: true });
if (process.argv.includes("--watch")) {
  // The page bundles the embed's elements (client/web/elements.ts imports client/embed/v1.ts),
  // so every change under client/embed rebuilds the page; the embed as served to other sites
  // (/embed/v1.js) is rebuilt with it.
  const first = await buildEmbed({ root: ROOT, into: OUT, previous: OUT, minify: false });
  let chunks = { comments: first.comments, moderation: first.moderation };
  let context;
  const rebuildEmbed = {
    name: "rebuild-embed",
    setup: (build) =>
      build.onEnd(async () => {
        try {
          const { comments, moderation } = await buildEmbed({ root: ROOT, into: OUT, previous: OUT, minify: false });
          console.log("rebuilt the embed");
          // A changed section or view has a new hash: the page is built again pointing at it (after this build ends).
          if (comments !== chunks.comments || moderation !== chunks.moderation) {
            chunks = { comments, moderation };
            setTimeout(() => void context.dispose().then(watch), 0);
          }
        } catch (error) {
          console.error(`the embed did not build: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
  };
  const watch = async () => {
    context = await esbuild.context(options(OUT, chunks, [rebuildEmbed]));
    await context.watch();
  };
  await watch();
  console.log(`watching client/web and client/embed -> ${OUT}`);
} else {
  // Several test servers may build while others serve the page (each e2e file that starts its
  // own wrangler dev builds first). So the folder is never emptied: the build goes to a staging
  // folder and each file is renamed into place (atomic), then files no build makes any more
  // are removed. The folder itself stays: a running `wrangler dev` watches it and stops serving
  // assets when it is replaced.
  const staging = await mkdtemp(join(ROOT, "dist", ".web-"));
  try {
    const embed = await buildEmbed({ root: ROOT, into: staging, previous: OUT, keepFrom });
    await esbuild.build(options(staging, embed));
    const built = await filesUnder(staging);
    for (const name of built) {
      await mkdir(join(OUT, name, ".."), { recursive: true });
      await rename(join(staging, name), join(OUT, name));
    }
    // The embed's earlier chunks are among `built`: buildEmbed carried them into the staging folder.
    const stale = (await filesUnder(OUT)).filter((name) => !built.includes(name));
    await Promise.all(stale.map((name) => rm(join(OUT, name), { force: true })));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  console.log(`built the live page into ${OUT}`);
}
