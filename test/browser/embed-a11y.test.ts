import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually, uniqueName, uniqueTarget } from "./browser";
import { useEmbedSite } from "./embed-site";

// The embed's elements on another site's page (test/browser/embed-host.ts): axe-core over every
// element in both themes, 44 px touch targets, and elements that keep working when a newer
// server sends frames, kinds and fields this build does not know (docs/realtime.md#protocol-versions).

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const site = useEmbedSite("browser-embed-a11y");

/**
 * axe is injected by the test, not by the page, so the host's strict CSP and Trusted Types
 * (held by embed.test.ts) are bypassed here: they would refuse axe itself, not the embed.
 */
async function open(url: string | null, colorScheme: "light" | "dark" = "light", bypassCSP = false): Promise<Page> {
  const context = await site.browser.newContext({ viewport: { width: 900, height: 700 }, colorScheme, locale: "en-US", bypassCSP });
  const page = await context.newPage();
  site.track(page);
  if (url !== null) await page.goto(url);
  return page;
}

async function signIn(page: Page, user: string): Promise<void> {
  await page.evaluate((name) => (globalThis as unknown as { signIn(user: string): Promise<void> }).signIn(name), user);
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? "").trim();
async function until(page: Page, selector: string, wanted: string, ms = 10_000): Promise<void> {
  let last = "";
  await eventually(async () => (last = await text(page, selector)) === wanted, ms, `${selector} to read "${wanted}"`).catch((error: unknown) => {
    throw new Error(`${String(error)}; it read "${last}"`);
  });
}

/**
 * Presses until `done`: a press made before the signed-in socket's hello is answered "sign in"
 * at once (nothing was sent), so it is pressed again; one that went out is waited for.
 */
async function pressUntil(page: Page, selector: string, done: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 8 && !(await done()); attempt++) {
    await page.locator(selector).first().click();
    await eventually(done, 2_500, "the press answered").catch(() => undefined);
  }
  expect(await done()).toBe(true);
}
const liked = (page: Page) => async () => (await page.locator("engage-like button").getAttribute("aria-pressed")) === "true";
const reacted = (page: Page) => async () => (await page.locator('engage-reactions button[aria-pressed="true"]').count()) === 1;

async function postComment(target: string, user: string, text: string): Promise<void> {
  const res = await fetch(site.provider.tokenUrl, { method: "POST", body: JSON.stringify({ sub: user, name: user }) });
  const { token } = z.object({ token: z.string() }).parse(await res.json());
  const posted = await fetch(`${site.api}/v1/targets/${encodeURIComponent(target)}/comments`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ text }),
  });
  expect(posted.status).toBe(201);
}

const Violation = z.object({
  id: z.string(),
  impact: z.string().nullish(),
  help: z.string(),
  nodes: z.array(z.object({ target: z.array(z.unknown()), failureSummary: z.string().nullish() })),
});

/** axe over the whole document, open shadow roots included; every violation, serious or not, is printed. */
async function axe(page: Page, label: string): Promise<z.infer<typeof Violation>[]> {
  await page.evaluate(await AXE_SOURCE);
  const raw: unknown = await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((result) => result.violations)`);
  const violations = z.array(Violation).parse(raw);
  for (const v of violations) {
    console.log(`[axe ${label}] ${v.impact ?? "?"} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`.replaceAll("\n", " ")).join("\n")}`);
  }
  return violations;
}

const serious = (violations: z.infer<typeof Violation>[]) => violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);

/** Every button inside every element's shadow root, with its rendered size. */
async function buttonSizes(page: Page): Promise<{ element: string; button: string; width: number; height: number }[]> {
  const sizes: unknown = await page.evaluate(`[...document.querySelectorAll("*")]
    .filter((element) => element.localName.startsWith("engage-") && element.shadowRoot !== null)
    .flatMap((element) => [...element.shadowRoot.querySelectorAll("button")].map((button) => {
      const box = button.getBoundingClientRect();
      return { element: element.localName, button: (button.textContent ?? "").trim(), width: box.width, height: box.height };
    }))`);
  return z.array(z.object({ element: z.string(), button: z.string(), width: z.number(), height: z.number() })).parse(sizes);
}

describe("the embed's accessibility", () => {
  for (const theme of ["light", "dark"] as const) {
    it(`has no serious or critical axe violation with every element, ${theme} theme, signed out and signed in`, async () => {
      const target = uniqueTarget("post");
      // <engage-comments> too, with a comment to show (its reactions, time, actions).
      await postComment(target, uniqueName("cy"), `a comment to scan, hi @mira_reads`);
      const page = await open(`${site.host.origin}/post?target=${target}&theme=${theme}&comments=1`, theme, true);
      await page.locator("html[data-ready=true]").waitFor();
      await page.locator("engage-comments article[part~=comment]").waitFor();
      await until(page, "engage-like [part=count]", "0");
      await until(page, "engage-count [part=count]", "0 likes");
      await page.locator("engage-reactions button").first().waitFor();
      // The message a visitor sees after pressing without signing in is scanned too.
      await page.locator("engage-like button").click();
      await until(page, "engage-like [part=message]", "Sign in to like");
      expect(serious(await axe(page, `${theme} signed out`))).toEqual([]);

      await signIn(page, uniqueName("ana"));
      await pressUntil(page, "engage-like button", liked(page));
      await until(page, "engage-like [part=count]", "1");
      await pressUntil(page, "engage-reactions button", reacted(page));
      await page.locator("engage-comments textarea[part~=main]").waitFor();
      expect(serious(await axe(page, `${theme} signed in`))).toEqual([]);
    });
  }

  it("gives every button of every element a touch target of at least 44x44 CSS px, on a phone too", async () => {
    const target = uniqueTarget("post");
    for (const viewport of [{ width: 900, height: 700 }, { width: 360, height: 740 }]) {
      const page = await open(`${site.host.origin}/post?target=${target}`);
      await page.setViewportSize(viewport);
      await page.locator("html[data-ready=true]").waitFor();
      await until(page, "engage-like [part=count]", "0");
      await page.locator("engage-reactions button").first().waitFor();
      const sizes = await buttonSizes(page);
      // The like button and each reaction: a check that found no button could not fail.
      expect(sizes.filter((s) => s.element === "engage-like")).toHaveLength(1);
      expect(sizes.filter((s) => s.element === "engage-reactions").length).toBeGreaterThan(1);
      expect(sizes.filter((s) => s.width < 44 || s.height < 44)).toEqual([]);
    }
  });
});

describe("the embed reading a newer server", () => {
  it("keeps counting live and liking when the server adds frame types, event kinds and fields", async () => {
    const target = uniqueTarget("post");
    const page = await open(null);
    let injected = 0;
    // The real server's frames pass through with a field this build does not know added to each
    // frame and each event; before every one, a frame of an unknown type and an event of an
    // unknown kind arrive, as from a server a deploy ahead of this page's v1.js.
    await page.routeWebSocket(/\/v1\/targets\/.*\/live/, (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((message) => {
        if (typeof message !== "string") return ws.send(message);
        const frame = z.record(z.string(), z.unknown()).parse(JSON.parse(message));
        if (frame.type !== "pong") {
          ws.send(JSON.stringify({ type: "typing", users: ["someone"] }));
          const seq = typeof frame.seq === "number" ? frame.seq : 0;
          ws.send(JSON.stringify({ type: "event", seq, at: Date.now(), replay: false, event: { kind: "poll_vote", option: 2 } }));
          injected++;
        }
        const grown = typeof frame.event === "object" && frame.event !== null ? { ...frame, event: { ...frame.event, from: "later" } } : frame;
        ws.send(JSON.stringify({ ...grown, region: "eu" }));
      });
      ws.onMessage((message) => upstream.send(message));
    });
    await page.goto(`${site.host.origin}/post?target=${target}`);
    await page.locator("html[data-ready=true]").waitFor();
    await until(page, "engage-like [part=count]", "0");
    await until(page, "engage-viewers [part=viewers]", "1 watching");

    await signIn(page, uniqueName("ana"));
    await pressUntil(page, "engage-like button", liked(page));
    await until(page, "engage-like [part=count]", "1");
    await pressUntil(page, "engage-reactions button", reacted(page));

    // Someone else's like arrives live (an event among the unknown ones).
    const res = await fetch(site.provider.tokenUrl, { method: "POST", body: JSON.stringify({ sub: "bo", name: "bo" }) });
    const { token } = z.object({ token: z.string() }).parse(await res.json());
    const like = await fetch(`${site.api}/v1/likes`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ target, action: "like" }),
    });
    expect(like.status).toBe(200);
    await until(page, "engage-like [part=count]", "2");
    expect(await text(page, "engage-like [part=message]")).toBe("");
    expect(injected).toBeGreaterThan(3);
  });
});
