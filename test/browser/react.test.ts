import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, createRestClient, type LiveConnection } from "../../client/index";
import { devToken, eventually, launchBrowser, textOf, uniqueName, uniqueTarget } from "./browser";

// The React hooks (client/react, docs/embed.md#react-hooks) in Chromium, against the shared
// browser wrangler dev: a small app (test/browser/react-app.ts) on another site's page shows a
// target's likes, viewers and comments, and what a second client does appears in it live. The
// page is the shared foreign page, whose origin the Worker lists in CORS_ORIGINS, so this file
// needs no server of its own.

const api = inject("pageUrl");
const siteOrigin = inject("allowedPageOrigin");
let browser: Browser | undefined;
let appScript = "";
const pageErrors: string[] = [];
const others: LiveConnection[] = [];

beforeAll(async () => {
  const built = await esbuild.build({
    entryPoints: [join(import.meta.dirname, "react-app.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    define: { "process.env.NODE_ENV": '"production"' },
    write: false,
    logLevel: "warning",
  });
  appScript = built.outputFiles[0]?.text ?? "";
  browser = await launchBrowser();
});

afterEach(async () => {
  for (const other of others.splice(0)) other.close();
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

async function openApp(target: string, token: string | null): Promise<{ page: Page; sockets: string[] }> {
  if (browser === undefined) throw new Error("no browser");
  const context = await browser.newContext();
  const page = await context.newPage();
  const sockets: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("websocket", (ws) => sockets.push(ws.url()));
  // The site's own page (test/browser/foreign-page.ts), served from loopback (Chromium lets only
  // a loopback page call a loopback API), made into the React site: its origin is the one listed.
  await page.goto(`${siteOrigin}/`);
  await page.setContent('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>a React site</title></head><body><div id="root"></div></body></html>');
  await page.evaluate(`globalThis.engageTest = ${JSON.stringify({ api, target, token })};`);
  await page.addScriptTag({ type: "module", content: appScript });
  return { page, sockets };
}

describe("React hooks in the browser", () => {
  it("show a target's likes, viewers and comments, and a second client's like, comment and presence live", async () => {
    const target = uniqueTarget("post");
    const seeder = createRestClient({ baseUrl: api, token: await devToken(api, uniqueName("seeder")) });
    await seeder.like(target);
    await seeder.postComment(target, "written before the page opened");

    const reader = uniqueName("reader");
    const { page, sockets } = await openApp(target, await devToken(api, reader));
    await eventually(async () => (await textOf(page, "likes")) === "1", 10_000, "the count from the snapshot");
    await eventually(async () => (await textOf(page, "viewers")) === "1", 10_000, "the page as the one viewer");
    await page.getByTestId("comments").getByText("written before the page opened").waitFor({ timeout: 10_000 });
    await eventually(async () => (await textOf(page, "liked")) === "false", 10_000, "the reader's own like status");

    const other = connect(target, { baseUrl: api, token: await devToken(api, uniqueName("other")) });
    others.push(other);
    await eventually(async () => (await textOf(page, "viewers")) === "2", 10_000, "the second client as a viewer");
    await other.like();
    await eventually(async () => (await textOf(page, "likes")) === "2", 10_000, "the second client's like");
    await other.comment("a live arrival from elsewhere");
    await page.getByTestId("comments").getByText("a live arrival from elsewhere").waitFor({ timeout: 10_000 });

    await page.getByRole("button", { name: "Like" }).click();
    await eventually(async () => (await textOf(page, "likes")) === "3" && (await textOf(page, "liked")) === "true", 10_000, "the page's own like");
    await eventually(async () => other.state.count === 3, 10_000, "the page's like at the other client");

    // Three hooks of one target, mounted twice by StrictMode, share one socket.
    expect(sockets).toHaveLength(1);
    await page.context().close();
  });
});
