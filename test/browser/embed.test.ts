import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { Page, WebSocket } from "playwright-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually, uniqueName, uniqueTarget } from "./browser";
import { SCREENSHOTS, useEmbedSite } from "./embed-site";

// The embed (client/embed, GET /embed/v1.js) on another site's pages (test/browser/embed-host.ts),
// served from a second loopback origin under a strict CSP, signed in with the site's own
// identity provider. This file runs its own Worker, which lists that origin in CORS_ORIGINS and
// the provider in AUTH_PROVIDERS.

const site = useEmbedSite("browser-embed");

interface HostPage {
  page: Page;
  /** Every socket the page opened to the API, with whether it is still open. */
  sockets: { url: string; open: boolean }[];
  /** Every request the page made to the API. */
  requests: { method: string; url: string }[];
}

async function openHost(path: string, colorScheme: "light" | "dark" = "light"): Promise<HostPage> {
  const context = await site.browser.newContext({ viewport: { width: 900, height: 700 }, colorScheme, locale: "en-US" });
  const page = await context.newPage();
  site.track(page);
  const opened: HostPage = { page, sockets: [], requests: [] };
  page.on("websocket", (ws: WebSocket) => {
    const entry = { url: ws.url(), open: true };
    opened.sockets.push(entry);
    ws.on("close", () => (entry.open = false));
  });
  page.on("request", (request) => {
    if (request.url().startsWith(site.api)) opened.requests.push({ method: request.method(), url: request.url() });
  });
  await page.goto(`${site.host.origin}${path}`);
  await page.locator("html[data-ready=true]").waitFor();
  return opened;
}

/** Signs the page's visitor in through the site's own sign-in; resolves once a signed-in socket said hello. */
async function signIn(hostPage: HostPage, user: string): Promise<void> {
  const signedIn = new Promise<void>((resolve) => {
    hostPage.page.on("websocket", (ws) => {
      if (!ws.url().includes("ticket=")) return;
      ws.on("framereceived", (frame) => {
        const payload = String(frame.payload);
        if (payload.includes('"type":"hello"') && !payload.includes('"user":null')) resolve();
      });
    });
  });
  await hostPage.page.evaluate((name) => (globalThis as unknown as { signIn(user: string): Promise<void> }).signIn(name), user);
  await signedIn;
}

async function providerToken(user: string): Promise<string> {
  const res = await fetch(site.provider.tokenUrl, { method: "POST", body: JSON.stringify({ sub: user, name: user }) });
  return z.object({ token: z.string() }).parse(await res.json()).token;
}

async function likeFromServer(target: string, user: string): Promise<void> {
  const res = await fetch(`${site.api}/v1/likes`, {
    method: "POST",
    headers: { authorization: `Bearer ${await providerToken(user)}`, "content-type": "application/json" },
    body: JSON.stringify({ target, action: "like" }),
  });
  expect(res.status).toBe(200);
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? "").trim();
async function until(page: Page, selector: string, wanted: string, ms = 10_000): Promise<void> {
  let last = "";
  await eventually(async () => (last = await text(page, selector)) === wanted, ms, `${selector} to read "${wanted}"`).catch((error: unknown) => {
    throw new Error(`${String(error)}; it read "${last}"`);
  });
}
/** Waits for `selector`'s aria-pressed to read `wanted`: the press shows once the writer's answer arrives, which can come after the other page's live event. */
async function untilPressed(page: Page, selector: string, wanted: "true" | "false", ms = 10_000): Promise<void> {
  let last: string | null = null;
  await eventually(async () => (last = await page.locator(selector).getAttribute("aria-pressed")) === wanted, ms, `${selector} to be pressed=${wanted}`).catch((error: unknown) => {
    throw new Error(`${String(error)}; it read ${String(last)}`);
  });
}
const liveSocketsTo = (hostPage: HostPage, target: string) => hostPage.sockets.filter((s) => s.open && s.url.includes(`/v1/targets/${encodeURIComponent(target)}/live`));

describe("the embed on another site's page", () => {
  it("shows a like made in one browser live in another, over one socket per page for all of a target's elements", async () => {
    const target = uniqueTarget("post");
    const ana = await openHost(`/post?target=${target}&comments=1`);
    const bo = await openHost(`/post?target=${target}&comments=1`);
    await signIn(ana, uniqueName("ana"));
    await signIn(bo, uniqueName("bo"));
    await until(ana.page, "engage-like [part=count]", "0");
    await until(bo.page, "engage-viewers [part=viewers]", "2 watching");

    const countReads = (visitor: HostPage) => visitor.requests.filter((r) => new URL(r.url).pathname === "/v1/counts").length;
    const readsBefore = countReads(bo);
    await ana.page.locator("engage-like button").click();
    await until(bo.page, "engage-like [part=count]", "1");
    await until(ana.page, "engage-like [part=count]", "1");
    await untilPressed(ana.page, "engage-like button", "true");
    expect(await bo.page.locator("engage-like button").getAttribute("aria-pressed")).toBe("false");
    // The page's count of the same target is live from the like button's socket: through more
    // than one refresh period (5 s) it read no batch.
    await until(bo.page, "engage-count [part=count]", "1 like");
    await new Promise((r) => setTimeout(r, 5_500));
    expect(countReads(bo)).toBe(readsBefore);

    // A reaction pressed in one browser is counted in the other.
    await bo.page.locator('engage-reactions button[data-emoji="love"]').click();
    await until(ana.page, 'engage-reactions button[data-emoji="love"] [part=reaction-count]', "1");
    await untilPressed(bo.page, 'engage-reactions button[data-emoji="love"]', "true");

    // A comment posted in one browser arrives live in the other, over the same socket.
    await ana.page.locator("engage-comments textarea[part~=main]").fill("a comment from ana");
    await ana.page.locator("engage-comments form[part~=main] button[part=submit]").click();
    await bo.page.locator("engage-comments article[part~=comment]", { hasText: "a comment from ana" }).waitFor({ timeout: 10_000 });

    // Like button, viewers, count, reactions and comments of one target: one live socket per page, no token in its URL.
    for (const visitor of [ana, bo]) {
      expect(liveSocketsTo(visitor, target)).toHaveLength(1);
      for (const socket of visitor.sockets) expect(socket.url).not.toMatch(/token=/);
    }

    // The visitor unlikes; the other page follows.
    await ana.page.locator("engage-like button").click();
    await until(bo.page, "engage-like [part=count]", "0");
    await ana.page.screenshot({ path: resolve(SCREENSHOTS, "embed-post-light-en.png") });
  });

  it("catches up after a network cut and sends a like made while offline once back", async () => {
    const target = uniqueTarget("post");
    const ana = await openHost(`/post?target=${target}`);
    const bo = await openHost(`/post?target=${target}`);
    await signIn(ana, uniqueName("ana"));
    await signIn(bo, uniqueName("bo"));
    await until(bo.page, "engage-like [part=count]", "0");

    await bo.page.context().setOffline(true);
    await until(bo.page, "engage-like [part=message]", "Offline, reconnecting…");
    await ana.page.locator("engage-like button").click();
    await until(ana.page, "engage-like [part=count]", "1");
    // Missed while offline; the like made offline waits for the connection.
    expect(await text(bo.page, "engage-like [part=count]")).toBe("0");
    await bo.page.locator("engage-like button").click();
    // Longer than 10 s: the old page's writes timed out by the clock and were dropped after such a cut.
    await bo.page.waitForTimeout(11_000);

    await bo.page.context().setOffline(false);
    await until(bo.page, "engage-like [part=count]", "2");
    await until(ana.page, "engage-like [part=count]", "2");
    expect(await bo.page.locator("engage-like button").getAttribute("aria-pressed")).toBe("true");
    await until(bo.page, "engage-like [part=message]", "");
    const stats = z.object({ likes: z.number() }).parse(await (await fetch(`${site.api}/v1/targets/${encodeURIComponent(target)}/stats`)).json());
    expect(stats.likes).toBe(2);
  });

  it("says on screen that a visitor who is not signed in must sign in to like", async () => {
    const target = uniqueTarget("post");
    const anonymous = await openHost(`/post?target=${target}`);
    await until(anonymous.page, "engage-like [part=count]", "0");
    await anonymous.page.locator("engage-like button").click();
    await until(anonymous.page, "engage-like [part=message]", "Sign in to like");
    expect(await anonymous.page.locator("engage-like [part=message]").isVisible()).toBe(true);
    expect(await anonymous.page.locator("engage-like [part=message]").getAttribute("role")).toBe("status");
  });

  it("reads every count of a listing through one batched GET, opens no socket, and refreshes while in view", async () => {
    const targets = [uniqueTarget("post"), uniqueTarget("post"), uniqueTarget("stream")];
    await likeFromServer(targets[0]!, uniqueName("u"));
    await likeFromServer(targets[0]!, uniqueName("u"));
    const list = await openHost(`/list?targets=${targets.join(",")}`);
    const count = (i: number) => `li:nth-child(${i + 1}) engage-count [part=count]`;
    await until(list.page, count(0), "2 likes");
    await until(list.page, count(1), "0 likes");
    await until(list.page, count(2), "0 likes");

    const reads = list.requests.filter((r) => new URL(r.url).pathname === "/v1/counts");
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads[0]).toMatchObject({ method: "GET" });
    expect(new URL(reads[0]!.url).searchParams.get("targets")?.split(",")).toEqual([...targets].sort());
    // Nothing else: no POST batch, no per-element GET, no socket.
    expect(list.requests.filter((r) => new URL(r.url).pathname !== "/v1/counts" && !new URL(r.url).pathname.startsWith("/embed/"))).toEqual([]);
    expect(list.sockets).toEqual([]);

    // A like elsewhere shows within one refresh (every few seconds) while the list is in view.
    await likeFromServer(targets[2]!, uniqueName("u"));
    await until(list.page, count(2), "1 like", 12_000);
    // The listing made no one a viewer of the targets it lists.
    for (const target of targets) {
      const stats = z.object({ viewers: z.number() }).parse(await (await fetch(`${site.api}/v1/targets/${encodeURIComponent(target)}/stats`)).json());
      expect(stats.viewers, target).toBe(0);
    }
  });

  it("reads no count out of view until it scrolls into view", async () => {
    const [seen, below] = [uniqueTarget("post"), uniqueTarget("post")];
    await likeFromServer(below, uniqueName("u"));
    const list = await openHost(`/list?targets=${seen}&below=${below}`);
    await until(list.page, "li engage-count [part=count]", "0 likes");
    const asked = () => list.requests.filter((r) => new URL(r.url).pathname === "/v1/counts").map((r) => new URL(r.url).searchParams.get("targets"));
    // Only the count in view, however many refreshes ran meanwhile.
    expect(asked().length).toBeGreaterThanOrEqual(1);
    expect(asked().every((targets) => targets === seen)).toBe(true);
    expect(await text(list.page, ".below engage-count [part=count]")).toBe("");

    await list.page.locator(".below engage-count").scrollIntoViewIfNeeded();
    await until(list.page, ".below engage-count [part=count]", "1 like", 3_000);
    expect(asked()).toContain(below);
  });

  it("renders the dark theme and German, and `auto` follows the color scheme", async () => {
    const target = uniqueTarget("post");
    const dark = await openHost(`/post?target=${target}&theme=dark&locale=de`);
    await until(dark.page, "engage-like [part=label]", "Gefällt mir");
    await until(dark.page, "engage-count [part=count]", "0 Likes");
    await until(dark.page, "engage-viewers [part=viewers]", "1 schaut zu");
    // Page code as a string: the Node-side typecheck has no DOM types.
    const background = (page: Page) => page.evaluate("getComputedStyle(document.querySelector('engage-like').shadowRoot.querySelector('button')).backgroundColor") as Promise<string>;
    expect(await background(dark.page)).toBe("rgb(21, 27, 35)");
    await dark.page.locator("engage-like button").click();
    await until(dark.page, "engage-like [part=message]", "Zum Liken anmelden");
    await dark.page.screenshot({ path: resolve(SCREENSHOTS, "embed-post-dark-de.png") });

    const light = await openHost(`/post?target=${target}`);
    await until(light.page, "engage-like [part=label]", "Like");
    expect(await background(light.page)).toBe("rgb(255, 255, 255)");
    const auto = await openHost(`/post?target=${target}&theme=auto&locale=ja`, "dark");
    await until(auto.page, "engage-like [part=label]", "いいね");
    expect(await background(auto.page)).toBe("rgb(21, 27, 35)");
    await auto.page.screenshot({ path: resolve(SCREENSHOTS, "embed-post-auto-dark-ja.png") });
  });
});

describe("the embed's files", () => {
  const Manifest = z.object({ v1: z.object({ url: z.string(), integrity: z.string() }), files: z.record(z.string(), z.object({ integrity: z.string() })) });

  it("answer any origin; v1.js revalidates within a minute, the hashed files are immutable and match their SRI hashes", async () => {
    const origin = { origin: site.host.origin };
    const entry = await fetch(`${site.api}/embed/v1.js`, { headers: origin });
    expect(entry.status).toBe(200);
    expect(entry.headers.get("access-control-allow-origin")).toBe("*");
    expect(entry.headers.get("content-type")).toMatch(/javascript/);
    expect(entry.headers.get("cache-control")).toBe("public, max-age=60, must-revalidate");
    const manifest = Manifest.parse(await (await fetch(`${site.api}/embed/manifest.json`, { headers: origin })).json());
    expect(await entry.text()).toContain(manifest.v1.url.replace("/embed/", "./"));

    for (const [name, file] of Object.entries(manifest.files)) {
      const res = await fetch(`${site.api}/embed/v1/${name}`, { headers: origin });
      expect(res.status, name).toBe(200);
      expect(res.headers.get("access-control-allow-origin"), name).toBe("*");
      expect(res.headers.get("cache-control"), name).toBe("public, max-age=31536000, immutable");
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(`sha384-${createHash("sha384").update(bytes).digest("base64")}`, name).toBe(file.integrity);
    }
    expect(manifest.files[manifest.v1.url.split("/").at(-1)!]?.integrity).toBe(manifest.v1.integrity);
  });
});
