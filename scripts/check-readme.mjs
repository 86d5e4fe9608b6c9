// Keeps the README true (the developers' guide: "with every route, frame, variable and script"):
// every route of /openapi.json, every frame type and live event kind of protocol/live.ts, every
// binding and variable the Worker reads (platform/env.ts, wrangler.toml) and every npm script
// must be named in README.md. It checks that each is named, not that the words about it are
// right; a new one that nobody wrote down fails here.
//   node scripts/check-readme.mjs [openapi.json]   (default test-output/openapi.json, written by `npm run lint:openapi`)
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const read = (path) => readFileSync(resolve(ROOT, path), "utf8");
const readme = read("README.md");
const missing = [];

// Routes. The table may shorten a room's route to `.../<rest>` (`POST/DELETE .../moderators`
// stands for `/v1/targets/:target/moderators` and `.../moderators/:userId`), so a route counts
// as named when its full path is there, or `.../` followed by the start of what comes after the
// room's prefix.
const ROOM = "/v1/targets/:target/";
const documentPath = resolve(ROOT, process.argv[2] ?? "test-output/openapi.json");
if (!existsSync(documentPath)) {
  console.error(`no ${documentPath}: run \`npm run lint:openapi\` first (it writes the document this reads)`);
  process.exit(1);
}
const openapi = JSON.parse(readFileSync(documentPath, "utf8"));
for (const [path, operations] of Object.entries(openapi.paths ?? {})) {
  const route = path.replace(/\{(\w+)\}/g, ":$1");
  const named = (() => {
    if (readme.includes(route)) return true;
    if (!route.startsWith(ROOM)) return false;
    const segments = route.slice(ROOM.length).split("/");
    // A bare parameter is no name: `.../:id` would match anything.
    return segments.some((_, i) => !segments[0].startsWith(":") && readme.includes(`.../${segments.slice(0, i + 1).join("/")}`));
  })();
  if (!named) missing.push(`route ${Object.keys(operations).map((m) => m.toUpperCase()).join("/")} ${route}`);
}

// Frames and live events, as the protocol spells them.
const live = read("protocol/live.ts");
for (const [, type] of live.matchAll(/type:\s*z\.literal\("([a-z_]+)"\)/g)) {
  if (!readme.includes(`\`${type}\``) && !readme.includes(`\`${type} `)) missing.push(`frame type "${type}"`);
}
for (const [, kind] of live.matchAll(/kind:\s*z\.literal\("([a-z_]+)"\)/g)) {
  if (!readme.includes(`\`${kind}\``) && !readme.includes(`\`${kind} `)) missing.push(`live event kind "${kind}"`);
}

// Bindings and variables: what the Worker's env declares, and every object binding in wrangler.toml.
const env = read("platform/env.ts");
const names = new Set([...env.matchAll(/^\s+(?:readonly )?([A-Z][A-Z0-9_]+)\??:/gm)].map((match) => match[1]));
for (const [, name] of read("wrangler.toml").matchAll(/^\[\[durable_objects\.bindings\]\]\s*\nname = "([A-Z0-9_]+)"/gm)) names.add(name);
for (const name of names) if (!readme.includes(name)) missing.push(`binding or variable ${name}`);

// Scripts.
const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
for (const name of scripts) {
  const named = name === "test" ? readme.includes("`npm test`") : readme.includes(`npm run ${name}`);
  if (!named) missing.push(`script "npm run ${name}"`);
}

if (missing.length > 0) {
  console.error(`README.md does not name ${missing.length}:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log(`README.md names every route (${Object.keys(openapi.paths ?? {}).length}), frame, live event, binding, variable and script (${scripts.length})`);
