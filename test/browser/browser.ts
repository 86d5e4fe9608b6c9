import { appendFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { z } from "zod";
import { filterCommentText } from "../../durable-objects/moderation/text-filter";

/** Debian's chromium; CI installs it with apt (see .ci/run). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = resolve(import.meta.dirname, "../../test-output/screenshots");
/** scripts/repeat-test.sh sets it: every page's console lines and socket frames, timestamped. */
const PAGE_LOG_FILE = process.env.PAGE_LOG_FILE;

/** Records what a page said and what its sockets carried, so a failed run can be read afterwards. */
function tracePage(page: Page, who: string): void {
  if (PAGE_LOG_FILE === undefined) return;
  const file = PAGE_LOG_FILE;
  // Socket URLs carry a ticket (an unused one opens a write socket): a trace file keeps neither it nor any token.
  const line = (text: string) => appendFileSync(file, `[${new Date().toISOString()}] ${who} ${text.replace(/(token|ticket)=[^&\s]+/g, "$1=…")}\n`);
  page.on("console", (message) => line(`console.${message.type()} ${message.text()}`));
  page.on("pageerror", (error) => line(`pageerror ${error.message}`));
  page.on("websocket", (ws) => {
    line(`ws open ${ws.url()}`);
    ws.on("framesent", (frame) => line(`sent ${String(frame.payload).slice(0, 500)}`));
    ws.on("framereceived", (frame) => line(`recv ${String(frame.payload).slice(0, 500)}`));
    ws.on("close", () => line(`ws close ${ws.url()}`));
  });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

/** One person in their own browser context (own storage, own socket), with what their page did. */
export interface Visitor {
  name: string;
  context: BrowserContext;
  page: Page;
  /** alert/confirm/prompt messages: an XSS payload that ran would show up here. */
  dialogs: string[];
  /** Uncaught errors in the page. */
  errors: string[];
}

const short = () => crypto.randomUUID().replaceAll("-", "").slice(0, 8);

export const uniqueTarget = (kind: "stream" | "post" = "stream") => `${kind}:${short()}${short()}`;
export const uniqueName = (prefix: string) => `${prefix}-${short()}`;

export async function openVisitor(browser: Browser, baseUrl: string, name: string | null): Promise<Visitor> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const visitor: Visitor = { name: name ?? "anonymous", context, page, dialogs: [], errors: [] };
  page.on("dialog", (dialog) => {
    visitor.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => visitor.errors.push(error.message));
  tracePage(page, visitor.name);
  await page.goto(`${baseUrl}/`);
  if (name !== null) {
    await page.getByLabel("User name").fill(name);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("signed-in-as").waitFor();
  }
  return visitor;
}

/** Opens a target's page and waits until its socket said hello. */
export async function openTarget(visitor: Visitor, target: string): Promise<void> {
  await visitor.page.evaluate(`location.hash = ${JSON.stringify(`#/t/${target}`)}`);
  await connected(visitor.page);
}

export async function connected(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: timeoutMs });
}

export async function connectionState(page: Page): Promise<string | null> {
  return page.getByTestId("connection").getAttribute("data-state");
}

/**
 * A part of the page's comment section, `<engage-comments>`: Playwright's CSS reaches into its
 * open shadow root ("list", "notice", "moderation-panel", "pinned"...).
 */
export function commentsPart(page: Page, part: string): Locator {
  return page.locator(`engage-comments [part~="${part}"]`);
}

/** The section's main comment box. */
export function composerInput(page: Page): Locator {
  return page.locator("engage-comments textarea[part~=main]");
}

/** The list items whose text is exactly `text` (not substrings: "a" must not match "ab"); a comment still on its way is not one yet. */
export function commentsWithText(page: Page, text: string): Locator {
  return commentsPart(page, "list").locator("li[part~=item]:not([part~=pending])").filter({
    has: page.locator(":scope > article > p[part~=text]").getByText(text, { exact: true }),
  });
}

/**
 * A comment text of this run that a room's default filter ("mask", durable-objects/moderation/
 * text-filter.ts) shows as typed: `prefix` and a random tail, drawn again while the filter would
 * change it. A bare random hex tail is not enough: the filter reads l33t, so "f44665" is
 * "faag" and "a55f77" is "ass" (about 1 tail in 800), and CI's "rude remark f44665" came back
 * as "rude remark ****65" while the test waited for the text it typed.
 */
export function commentText(prefix: string, tail: () => string = () => crypto.randomUUID().slice(0, 6)): string {
  for (let i = 0; i < 100; i++) {
    const text = `${prefix} ${tail()}`;
    const filtered = filterCommentText(text, "mask");
    if ("ok" in filtered && filtered.text === text) return text;
  }
  throw new Error(`the room's filter changes every "${prefix} …" tried: choose another prefix`);
}

/**
 * Types a comment and posts it with Enter (the keyboard path), then waits for the page's own
 * answer: its "Sending…" copy goes once the room acked or refused the write, or turns "Not sent"
 * when the page gave up (its write timeout, client/embed/hub.ts). Only then is the comment
 * required to show as typed, so a refusal, a give-up or a filtered text fails at once and says
 * what the page shows instead of running out a wait. Then the box must be empty, so the next
 * post is not typed into a busy box.
 */
export async function postComment(visitor: Visitor, text: string): Promise<void> {
  const { page } = visitor;
  const input = composerInput(page);
  await input.fill(text);
  await input.press("Enter");
  const shown = commentsWithText(page, text);
  const pending = commentsPart(page, "list")
    .locator("li[part~=pending]:not([part~=held])")
    .filter({ has: page.locator(":scope > article > p[part~=text]").getByText(text, { exact: true }) });
  // Enter rendered the pending copy synchronously (section.ts post), so none left means answered.
  const answered = eventually(
    async () => (await shown.count()) > 0 || (await pending.count()) === 0 || (await pending.locator("[part~=retry]").count()) > 0,
    15_000,
    "the page's answer",
  );
  const failed = await answered.then(
    async () => ((await shown.count()) > 0 ? null : "not shown as typed"),
    (error: unknown) => String(error),
  );
  if (failed !== null) {
    // A refusal's words reach the notice on the next frame (section.ts say).
    await page.waitForTimeout(200);
    const notice = (await commentsPart(page, "notice").first().textContent()) ?? "";
    const state = (await pending.locator("[part~=state]").allTextContents()).join(" ");
    const texts = await commentsPart(page, "list").locator("li[part~=item] > article > p[part~=text]").allTextContents();
    throw new Error(`"${text}": ${failed}; the notice says "${notice}", its pending copy "${state}", the list shows ${JSON.stringify(texts.slice(0, 5))}`);
  }
  await eventually(async () => (await input.inputValue()) === "", 10_000, "the composer to empty after the ack");
}

/**
 * Lets the page's requests to `url` reach the server at once but holds their answers until
 * `release()`: a read served before something the test does next, answered after it (the
 * race a slow network gives a real page).
 */
export async function holdAnswers(page: Page, url: RegExp): Promise<{ served: () => boolean; release: () => Promise<void> }> {
  let open!: () => void;
  const held = new Promise<void>((r) => (open = r));
  let served = false;
  await page.route(url, async (route) => {
    const response = await route.fetch();
    served = true;
    await held;
    await route.fulfill({ response });
  });
  return {
    served: () => served,
    release: async () => {
      const answered = page.waitForEvent("requestfinished", (request) => url.test(request.url()));
      open();
      await answered;
    },
  };
}

/**
 * The text of a part inside one of the embed's elements on the page (`<engage-like
 * data-testid="like">` and its `[part~=count]`): Playwright's CSS reaches into open shadow roots.
 */
export async function partText(page: Page, testId: string, part: string): Promise<string> {
  return ((await page.getByTestId(testId).locator(`[part~="${part}"]`).first().textContent()) ?? "").trim();
}

/** The page's like button: the one inside <engage-like> (its name holds the count, "Like 3"). */
export function likeButton(page: Page): Locator {
  return page.getByTestId("like").getByRole("button");
}

export async function textOf(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).first().textContent()) ?? "").trim();
}

/** Polls from Node until `check` holds; answers how long it took. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });
}


/** A dev token for REST set-up steps (through the same dev route the page uses). */
export async function devToken(baseUrl: string, userId: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  if (!res.ok) throw new Error(`dev token: HTTP ${res.status}`);
  return z.object({ token: z.string() }).parse(await res.json()).token;
}
