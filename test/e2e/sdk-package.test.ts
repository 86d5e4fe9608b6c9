import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { e2eToken, uniqueTarget, uniqueUser } from "./secret";

// The SDK as a site gets it (client/package.json, docs/embed.md#the-npm-package): built, packed
// with `npm pack`, installed from the tarball into a project of its own in a temp folder, then
// programs written against the installed package are type-checked with tsc and run against
// the e2e wrangler dev. The install is offline: the package's own dependencies and React come
// from this repository's node_modules as local folders, so no registry is asked.

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const MODULES = join(ROOT, "node_modules");
const baseUrl = inject("baseUrl");
let scratch = "";
let app = "";

// A Node program that uses the package the way its docs say: like a target, read its count,
// and receive the new count live on another connection.
const CORE_PROGRAM = `
import { connect, createRestClient, LiveRequestError, PROTOCOL_VERSION, type LiveConnection } from "@engage/client";

const baseUrl = process.env.ENGAGE_URL ?? "";
const target = process.env.ENGAGE_TARGET ?? "";
const token = async (): Promise<string | null> => process.env.ENGAGE_TOKEN ?? null;

function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((done, fail) => {
    const poll = () => (check() ? done() : Date.now() > deadline ? fail(new Error(what)) : setTimeout(poll, 20));
    poll();
  });
}

const counts: number[] = [];
const watcher: LiveConnection = connect(target, { baseUrl, onCount: (count) => counts.push(count) });
await waitFor("the watcher's hello", () => watcher.status === "open");
const liker = connect(target, { baseUrl, token });
const liked = await liker.like();
const rest = createRestClient({ baseUrl });
const read = await rest.count(target);
await waitFor("the live count", () => counts.at(-1) === 1);
let refused = "";
try {
  await watcher.like();
} catch (error) {
  if (error instanceof LiveRequestError) refused = error.code;
}
watcher.close();
liker.close();
console.log(JSON.stringify({ protocol: PROTOCOL_VERSION, liked, read: read.count, counts, refused }));
`;

// Server rendering with every hook: it must open no socket and make no request.
const SSR_PROGRAM = `
import { renderToString } from "react-dom/server";
import { EngageProvider, useComments, useLikes, useViewers, type Likes } from "@engage/client/react";

let sockets = 0;
let requests = 0;
globalThis.WebSocket = class {
  constructor() {
    sockets++;
    throw new Error("no socket during server rendering");
  }
} as unknown as typeof WebSocket;
globalThis.fetch = async () => {
  requests++;
  throw new Error("no request during server rendering");
};

function Post({ target }: { target: string }) {
  const likes: Likes = useLikes(target);
  const { viewers } = useViewers(target);
  const { comments, hasMore } = useComments(target, { pageSize: 5 });
  return (
    <p data-status={likes.status}>
      {likes.count ?? "…"} likes, {viewers ?? "…"} watching, {comments.length} comments{hasMore ? ", more" : ""}
    </p>
  );
}

const html = renderToString(
  <EngageProvider baseUrl={process.env.ENGAGE_URL ?? ""} token="a-token">
    <Post target={process.env.ENGAGE_TARGET ?? ""} />
  </EngageProvider>,
);
// Anything scheduled by the render would have run by now.
await new Promise((done) => setTimeout(done, 300));
console.log(JSON.stringify({ html, sockets, requests }));
// A socket opened by mistake would keep retrying (and this process alive).
process.exit(0);
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    // NodeNext resolves through the package's "exports" and their "types" conditions, as a site's tsc would.
    module: "NodeNext",
    moduleResolution: "NodeNext",
    jsx: "react-jsx",
    strict: true,
    lib: ["ES2023"],
    types: ["node"],
    outDir: "out",
  },
  include: ["*.ts", "*.tsx"],
};

const Packed = z.array(z.object({ filename: z.string(), files: z.array(z.object({ path: z.string() })) })).length(1);

async function node(file: string, env: Record<string, string>): Promise<unknown> {
  const { stdout } = await run(process.execPath, [join(app, "out", file)], { cwd: app, env: { ...process.env, ...env }, timeout: 30_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}

let packedFiles: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "engage-sdk-"));
  app = join(scratch, "app");
  await run(process.execPath, [join(ROOT, "scripts", "build-sdk.mjs")], { cwd: ROOT });
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: join(ROOT, "client") });
  const [packed] = Packed.parse(JSON.parse(stdout));
  if (packed === undefined) throw new Error("npm pack made no tarball");
  packedFiles = packed.files.map((file) => file.path).sort();
  await run("mkdir", [app]);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "a-site", private: true, type: "module" }));
  const local = ["zod", "react", "react-dom", "@types/react", "@types/react-dom", "@types/node", "undici-types"].map((name) => join(MODULES, name));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", join(scratch, packed.filename), ...local], {
    cwd: app,
    timeout: 120_000,
  });
  await writeFile(join(app, "tsconfig.json"), JSON.stringify(TSCONFIG));
  await writeFile(join(app, "main.ts"), CORE_PROGRAM);
  await writeFile(join(app, "ssr.tsx"), SSR_PROGRAM);
  // The repository's tsc, in the site's folder: the package's declarations alone must satisfy it.
  await run(process.execPath, [join(MODULES, "typescript", "bin", "tsc"), "-p", app], { cwd: app, timeout: 120_000 }).catch((error: { stdout?: string }) => {
    throw new Error(`tsc refused a program written against the installed package:\n${error.stdout ?? String(error)}`);
  });
}, 240_000);

afterAll(async () => {
  if (scratch !== "") await rm(scratch, { recursive: true, force: true });
});

describe("the SDK as an installed package", () => {
  it("ships only its built files, nothing pointing outside the package", async () => {
    expect(packedFiles).toEqual(["dist/index.d.ts", "dist/index.js", "dist/partysocket.LICENSE.txt", "dist/react.d.ts", "dist/react.js", "package.json"]);
    for (const file of ["index.js", "react.js", "index.d.ts", "react.d.ts"]) {
      const text = await readFile(join(app, "node_modules", "@engage", "client", "dist", file), "utf8");
      expect(text, file).not.toMatch(/from ["']\.\.\//);
      expect(text, file).not.toMatch(/cloudflare:/);
      // zod/mini only (protocol/mini/): the classic schemas would add ~95 KB to a site's bundle.
      expect(text, file).not.toMatch(/from ["']zod["']/);
    }
    const react = await readFile(join(app, "node_modules", "@engage", "client", "dist", "react.js"), "utf8");
    expect(react.startsWith('"use client";')).toBe(true);
  });

  it("likes, reads the count and receives it live, from a program type-checked against the package", async () => {
    const target = uniqueTarget();
    const result = await node("main.js", { ENGAGE_URL: baseUrl, ENGAGE_TARGET: target, ENGAGE_TOKEN: await e2eToken(uniqueUser()) });
    expect(result).toEqual({
      protocol: 2,
      liked: { liked: true, count: 1, changed: true, seq: 1 },
      read: 1,
      counts: [0, 1],
      refused: "unauthorized",
    });
  });

  it("opens no socket and makes no request while rendering on the server", async () => {
    const result = await node("ssr.js", { ENGAGE_URL: baseUrl, ENGAGE_TARGET: uniqueTarget() });
    expect(result).toMatchObject({ sockets: 0, requests: 0 });
    expect(JSON.stringify(result)).toContain("data-status=\\\"idle\\\"");
  });
});
