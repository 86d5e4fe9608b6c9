// Builds the live page (client/web) into dist/web, the folder wrangler.toml serves as static
// assets. `npm run dev` and the browser tests run it, so the page served always matches the code.
//   node scripts/build-web.mjs            one build
//   node scripts/build-web.mjs --watch    rebuild on change (next to a running `wrangler dev`)
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";

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

function options(into) {
  return {
    entryPoints: [join(SOURCE, "main.ts")],
    outfile: join(into, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    sourcemap: true,
    minify: !process.argv.includes("--watch"),
    logLevel: "warning",
    plugins: [{ name: "copy-static", setup: (build) => build.onEnd(copyStatic(into)) }],
  };
}

await mkdir(OUT, { recursive: true });
if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options(OUT));
  await context.watch();
  console.log(`watching client/web -> ${OUT}`);
} else {
  // Several test servers may build while others serve the page (each e2e file that starts its
  // own wrangler dev builds first). So the folder is never emptied: the build goes to a staging
  // folder and each file is renamed into place (atomic), then files no build makes any more
  // are removed. The folder itself stays: a running `wrangler dev` watches it and stops serving
  // assets when it is replaced.
  const staging = await mkdtemp(join(ROOT, "dist", ".web-"));
  try {
    await esbuild.build(options(staging));
    const built = await readdir(staging);
    for (const name of built) await rename(join(staging, name), join(OUT, name));
    const stale = (await readdir(OUT)).filter((name) => !built.includes(name));
    await Promise.all(stale.map((name) => rm(join(OUT, name), { recursive: true, force: true })));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  console.log(`built the live page into ${OUT}`);
}
