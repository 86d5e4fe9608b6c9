// Builds the SDK package (client/package.json, docs/embed.md#the-npm-package) into client/dist:
//   index.js / index.d.ts   the core (connect, createRestClient), protocol/ bundled in
//   react.js / react.d.ts   the React hooks, marked "use client", importing the core from ./index.js
// `npm pack` takes client/ alone, so nothing in dist may point outside it: the protocol/ code
// and declarations it uses are bundled in, and only the package's dependencies stay imports.
//   node scripts/build-sdk.mjs [--out <folder>]    (default client/dist)
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { generateDtsBundle } from "dts-bundle-generator";

const ROOT = resolve(import.meta.dirname, "..");
const CLIENT = join(ROOT, "client");
const outAt = process.argv.indexOf("--out");
const OUT = outAt === -1 ? join(CLIENT, "dist") : resolve(process.argv[outAt + 1]);

const pkg = JSON.parse(await readFile(join(CLIENT, "package.json"), "utf8"));
/** What the installing project provides; everything else (protocol/, partysocket) is bundled. */
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
// The hooks import the core; in the package that is the sibling file, not a second copy of it.
const coreAsSibling = {
  name: "core-as-sibling",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/index$/ }, () => ({ path: "./index.js", external: true }));
  },
};

const common = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: ["es2022"],
  external: [...external, ...external.map((name) => `${name}/*`)],
  // A library ships readable code: the site's bundler minifies it with the rest of the page.
  minify: false,
  legalComments: "inline",
  logLevel: "warning",
};

await rm(OUT, { recursive: true, force: true });
await esbuild.build({
  ...common,
  entryPoints: { index: join(CLIENT, "index.ts") },
  outdir: OUT,
  // Its files carry no licence comment for legalComments to keep: the notice ships beside it.
  banner: { js: "// Bundles partysocket (MIT License): see partysocket.LICENSE.txt." },
});
await copyFile(join(ROOT, "node_modules", "partysocket", "LICENSE.txt"), join(OUT, "partysocket.LICENSE.txt"));
await esbuild.build({
  ...common,
  entryPoints: { react: join(CLIENT, "react", "index.ts") },
  outdir: OUT,
  // client/react/index.ts starts with "use client" (React Server Components then render the
  // hooks only in the browser: they open sockets); esbuild keeps an entry's directives.
  plugins: [coreAsSibling],
});

// One self-contained declaration file per entry: protocol/ types inlined, zod and react kept as imports.
const [indexDts, reactDts] = generateDtsBundle(
  [
    { filePath: join(CLIENT, "index.ts"), libraries: { importedLibraries: external }, output: { noBanner: true, exportReferencedTypes: false } },
    { filePath: join(CLIENT, "react", "index.ts"), libraries: { importedLibraries: external }, output: { noBanner: true, exportReferencedTypes: false } },
  ],
  { preferredConfigPath: join(ROOT, "tsconfig.web.json") },
);
// dts-bundle-generator 9.5 keeps named imports from a library but drops a namespace import
// (`import * as z from "zod/mini"`, which protocol/mini/ must use: a named `z` defeats esbuild's
// tree-shaking and costs the embed ~77 KB). The declarations still say `z.ZodMini...`, so the
// import goes back in, as zod/mini's named `z`, the same namespace (types only, nothing bundled).
const withZod = (dts) => (/\bz\.(ZodMini|core\.)/.test(dts) && !/^import \{ z \}|^import \* as z /m.test(dts) ? `import { z } from "zod/mini";\n${dts}` : dts);
await writeFile(join(OUT, "index.d.ts"), withZod(indexDts));
await writeFile(join(OUT, "react.d.ts"), withZod(reactDts));
console.log(`built the SDK package into ${OUT}`);
