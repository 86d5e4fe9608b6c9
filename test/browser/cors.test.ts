import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { commentText, eventually, launchBrowser, uniqueName, uniqueTarget } from "./browser";
import { startForeignPage, type ForeignPage } from "./foreign-page";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider";

// Another site's page (test/browser/foreign-page.ts) on a second loopback origin uses the API
// the way an embedding site does: a token from the site's own identity provider handed to the page, REST writes and reads, a
// live socket signed in with a ticket. This file's own Worker lists that origin in CORS_ORIGINS
// and the site's identity provider in AUTH_PROVIDERS (the shared browser server has no
// providers: with one configured, registering a target needs a trusted owner role, which the
// live page's development sign-in does not carry); the same page served from an unlisted
// origin must get nothing.

const allowedOrigin = inject("allowedPageOrigin");
let api: string;
let server: DevServer | undefined;
let identityProvider: TestIdentityProvider | undefined;

/** Signs the page's user in through the site's own identity provider (test/support/identity-provider.ts). */
async function tokenForPage(userId: string): Promise<string> {
  const res = await fetch(identityProvider!.tokenUrl, { method: "POST", body: JSON.stringify({ sub: userId, name: userId }) });
  expect(res.status).toBe(200);
  return z.object({ token: z.string() }).parse(await res.json()).token;
}

const Answer = z.object({
  status: z.number().optional(),
  body: z.unknown().optional(),
  requestId: z.string().nullable().optional(),
  cache: z.string().nullable().optional(),
  error: z.string().optional(),
});
const Watch = z.object({
  first: z.object({ type: z.string(), user: z.object({ id: z.string() }).nullable().optional(), error: z.object({ code: z.string() }).optional() }).nullable().optional(),
  closed: z.number().optional(),
  mint: Answer.optional(),
});

let browser: Browser | undefined;
let disallowed: ForeignPage | undefined;
const pages: Page[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  identityProvider = await startIdentityProvider({ audience: "browser-site" });
  server = await startDevServer({
    authSecret: `browser-cors-${crypto.randomUUID()}`,
    vars: { CORS_ORIGINS: allowedOrigin, AUTH_PROVIDERS: JSON.stringify([identityProvider.config({ userPrefix: "site|" })]) },
  });
  api = server.url;
  browser = await launchBrowser();
  // Same page, another port: another origin, not in CORS_ORIGINS.
  disallowed = await startForeignPage();
});

afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await disallowed?.close();
  await server?.stop();
  await identityProvider?.close();
});

async function openPage(origin: string, userId: string | null): Promise<Page> {
  if (browser === undefined) throw new Error("the browser is not running");
  const context = await browser.newContext();
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${origin}/`);
  const token = userId === null ? "" : await tokenForPage(userId);
  // The token goes to the page as an argument, never in its URL.
  await page.evaluate(([base, bearer]) => (globalThis as unknown as { signIn(a: string, t: string): void }).signIn(base, bearer), [api, token] as const);
  return page;
}

type PageApi = {
  liveFrames: unknown[];
  send(frame: unknown): void;
};
type PageCall = "like" | "comment" | "readCount" | "watch";

/** Runs one of the page's own functions (foreign-page.ts) and parses what it answers. */
async function onPage<T>(page: Page, schema: z.ZodType<T>, name: PageCall, ...args: (string | boolean)[]): Promise<T> {
  const result: unknown = await page.evaluate(
    ([fn, values]) => (globalThis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn]!(...values),
    [name, args] as const,
  );
  return schema.parse(result);
}

const liveFrames = (page: Page) => page.evaluate(() => JSON.stringify((globalThis as unknown as PageApi).liveFrames));

async function serverCount(target: string): Promise<number> {
  const res = await fetch(`${api}/v1/targets/${encodeURIComponent(target)}/stats`);
  return z.object({ likes: z.number() }).parse(await res.json()).likes;
}

describe("a page on another origin", () => {
  it("listed in CORS_ORIGINS signs in, likes, comments and watches live counts through REST and the socket", async () => {
    const target = uniqueTarget();
    const user = uniqueName("site-user");
    const page = await openPage(allowedOrigin, user);

    const watched = await onPage(page, Watch, "watch", target, true);
    // The provider's prefix (global-setup.ts) shows the sign-in went through the site's provider.
    expect(watched.first).toMatchObject({ type: "hello", user: { id: `site|${user}` } });

    const liked = await onPage(page, Answer, "like", target);
    expect(liked).toMatchObject({ status: 200, body: { liked: true, count: 1 } });
    // An exposed header: the page can quote its request to support.
    expect(liked.requestId).toMatch(/^page-/);
    await eventually(async () => /"type":"count","count":1/.test(await liveFrames(page)), 10_000, "the socket's count frame after the REST like");

    const text = commentText("hello from another site");
    const commented = await onPage(page, Answer, "comment", target, text);
    expect(commented).toMatchObject({ status: 201 });
    await eventually(async () => (await liveFrames(page)).includes(text), 10_000, "the comment on the socket");

    // A write over the socket the page signed in: the unlike comes back as a count of 0.
    await page.evaluate(() => (globalThis as unknown as PageApi).send({ type: "unlike", id: "page-unlike-1" }));
    await eventually(async () => /"type":"count","count":0/.test(await liveFrames(page)), 10_000, "the socket's count frame after the socket unlike");

    const read = await onPage(page, Answer, "readCount", target);
    expect(read).toMatchObject({ status: 200, body: { count: 0 } });
    expect(read.cache).toMatch(/^(HIT|MISS)$/);
    expect(await serverCount(target)).toBe(0);
  });

  it("not listed can neither write nor read, through REST or the socket", async () => {
    const target = uniqueTarget();
    const page = await openPage(disallowed!.origin, uniqueName("elsewhere"));

    const liked = await onPage(page, Answer, "like", target);
    expect(liked.error).toMatch(/TypeError/);
    const commented = await onPage(page, Answer, "comment", target, "should never land");
    expect(commented.error).toMatch(/TypeError/);
    const read = await onPage(page, Answer, "readCount", target);
    expect(read.error).toMatch(/TypeError/);

    // Signing the socket in fails at the ticket's preflight; viewing is refused by the upgrade.
    const signedIn = await onPage(page, Watch, "watch", target, true);
    expect(signedIn.mint?.error).toMatch(/TypeError/);
    const viewer = await onPage(page, Watch, "watch", target, false);
    expect(viewer).toMatchObject({ first: { type: "error", error: { code: "origin_not_allowed" } }, closed: 4403 });

    // Nothing reached the room: the preflight stopped every write before it was sent.
    expect(await serverCount(target)).toBe(0);
    const comments = await fetch(`${api}/v1/targets/${encodeURIComponent(target)}/comments`);
    expect(JSON.stringify(await comments.json())).not.toContain("should never land");
  });
});
