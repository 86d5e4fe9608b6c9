// Builds the live page (client/web) into dist/web, the folder wrangler.toml serves as static
// assets. `npm run dev` and the browser tests run it, so the page served always matches the code.
//   node scripts/build-web.mjs            one build
//   node scripts/build-web.mjs --watch    rebuild on change (next to a running `wrangler dev`)
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCE = join(ROOT, "client", "web");
const OUT = join(ROOT, "dist", "web");
// `_headers` gives the page and its files their security headers (CSP and friends).
const STATIC_FILES = ["index.html", "styles.css", "_headers"];

async function copyStatic() {
  await Promise.all(STATIC_FILES.map((file) => copyFile(join(SOURCE, file), join(OUT, file))));
}

const options = {
  entryPoints: [join(SOURCE, "main.ts")],
  outfile: join(OUT, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  sourcemap: true,
  minify: !process.argv.includes("--watch"),
  logLevel: "warning",
  plugins: [{ name: "copy-static", setup: (build) => build.onEnd(copyStatic) }],
};

// Empty the folder but keep it: a running `wrangler dev` watches it and stops serving assets
// when the folder itself is replaced.
await mkdir(OUT, { recursive: true });
await Promise.all((await readdir(OUT)).map((name) => rm(join(OUT, name), { recursive: true, force: true })));
if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log(`watching client/web -> ${OUT}`);
} else {
  await esbuild.build(options);
  console.log(`built the live page into ${OUT}`);
}
