import { resolve } from "node:path";
import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually, holdAnswers, uniqueName, uniqueTarget } from "./browser";
import { SCREENSHOTS, useEmbedSite } from "./embed-site";

// <engage-comments> (client/embed/comments/) on another site's page (test/browser/embed-host.ts),
// under the host's strict CSP, signed in with the site's own identity provider: posting, replies,
// load older with focus, moderation by the target's owner, a comment written offline, German.

const site = useEmbedSite("browser-embed-comments", ["owner"]);

/** `prepare` runs before the page loads (a route the page's first request must meet). */
async function open(target: string, extra = "", prepare?: (page: Page) => Promise<void>): Promise<Page> {
  const context = await site.browser.newContext({ viewport: { width: 900, height: 700 }, locale: "en-US" });
  const page = await context.newPage();
  site.track(page);
  await prepare?.(page);
  await page.goto(`${site.host.origin}/post?target=${target}&comments=1${extra}`);
  await page.locator("html[data-ready=true]").waitFor();
  return page;
}

/** Signs in through the site; resolves once the section offers its composer (the signed-in hello arrived). */
async function signIn(page: Page, user: string): Promise<void> {
  await page.evaluate((name) => (globalThis as unknown as { signIn(user: string): Promise<void> }).signIn(name), user);
  await page.locator("engage-comments textarea[part~=main]").waitFor();
}

async function token(user: string): Promise<string> {
  const res = await fetch(site.provider.tokenUrl, { method: "POST", body: JSON.stringify({ sub: user, name: user }) });
  return z.object({ token: z.string() }).parse(await res.json()).token;
}

async function call(user: string, method: string, path: string, body?: unknown, roles?: string[]): Promise<unknown> {
  // A site trusts only its "owner" role to register a target (docs/identity.md).
  const bearer = roles === undefined ? await token(user) : await site.provider.sign({ sub: user, name: user, roles });
  const res = await fetch(`${site.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.json();
}

const Listed = z.object({ items: z.array(z.object({ id: z.string(), text: z.string() })) });
const postFromServer = async (target: string, user: string, text: string) =>
  z.object({ id: z.string() }).parse(await call(user, "POST", `/v1/targets/${encodeURIComponent(target)}/comments`, { text })).id;

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? "").trim();
async function until(page: Page, selector: string, wanted: string, ms = 10_000): Promise<void> {
  let last = "";
  await eventually(async () => (last = await text(page, selector)) === wanted, ms, `${selector} to read "${wanted}"`).catch((error: unknown) => {
    throw new Error(`${String(error)}; it read "${last}"`);
  });
}
const comment = (page: Page, words: string) => page.locator("engage-comments article[part~=comment]", { hasText: words });
/** The id of the comment that holds focus inside the section (page code as a string: no DOM types here). */
const focusedId = (page: Page) => page.evaluate("document.querySelector('engage-comments').shadowRoot.activeElement?.getAttribute('data-id') ?? document.activeElement?.localName") as Promise<string | null>;

async function write(page: Page, words: string, composer = "main"): Promise<void> {
  await page.locator(`engage-comments textarea[part~=${composer}]`).fill(words);
  await page.locator(`engage-comments form[part~=${composer}] button[part=submit]`).click();
}

describe("<engage-comments> on another site's page", () => {
  it("reads its first page of comments once when the tag in the HTML is upgraded", async () => {
    const target = uniqueTarget("post");
    await postFromServer(target, uniqueName("seed"), "the only comment");
    const context = await site.browser.newContext({ viewport: { width: 900, height: 700 }, locale: "en-US" });
    const page = await context.newPage();
    site.track(page);
    const reads: string[] = [];
    page.on("request", (request) => {
      if (/\/v1\/targets\/[^/]+\/comments\?/.test(request.url())) reads.push(request.url());
    });
    // The tag and its attributes are in the HTML before v1.js defines it: an upgrade calls
    // attributeChangedCallback once per attribute before connectedCallback.
    await page.goto(`${site.host.origin}/post?target=${target}&comments=1`);
    await page.locator("html[data-ready=true]").waitFor();
    await comment(page, "the only comment").waitFor();
    await page.waitForLoadState("networkidle");
    expect(reads).toHaveLength(1);
    expect(await page.locator("engage-comments section[part~=section]").count()).toBe(1);
  });

  it("shows an edit live in place, marked edited, without a second copy", async () => {
    const target = uniqueTarget("post");
    const author = uniqueName("editor");
    const id = await postFromServer(target, author, "teh original words");
    const page = await open(target);
    await comment(page, "teh original words").waitFor();
    await call(author, "PATCH", `/v1/targets/${encodeURIComponent(target)}/comments/${id}`, { text: "the corrected words" });
    await comment(page, "the corrected words").waitFor();
    const edited = comment(page, "the corrected words");
    expect(((await edited.locator("[part~=edited]").textContent()) ?? "").trim()).toBe("(edited)");
    expect(await page.locator("engage-comments article[part~=comment]").count()).toBe(1);
    expect(await comment(page, "teh original words").count()).toBe(0);
  });

  it("lets the author edit their comment from the keyboard, live for another reader, and offers no Edit on others' comments", async () => {
    const target = uniqueTarget("post");
    const other = uniqueName("other");
    await postFromServer(target, other, "someone else's words");
    const author = uniqueName("author");
    const writer = await open(target);
    const reader = await open(target);
    await signIn(writer, author);
    await write(writer, "my frist words");
    // The acknowledged comment (the pending copy has no id and goes once the ack is in).
    const mine = writer.locator("engage-comments article[part~=comment][data-id]", { hasText: "my frist words" });
    await mine.waitFor();
    await comment(reader, "my frist words").waitFor();
    expect(await comment(writer, "someone else's words").locator("[data-action=edit]").count()).toBe(0);

    // Escape closes the editor without saving, and focus returns to the Edit button.
    await mine.locator("[data-action=edit]").click();
    const box = writer.locator("engage-comments textarea[part~=edit]");
    expect(await box.inputValue()).toBe("my frist words");
    await writer.keyboard.press("Escape");
    expect(await box.count()).toBe(0);
    expect(await writer.evaluate("document.querySelector('engage-comments').shadowRoot.activeElement?.getAttribute('data-action')")).toBe("edit");

    // Enter opens it again (the focused button), the words are replaced, Enter saves.
    await writer.keyboard.press("Enter");
    await box.fill("my first words");
    await box.press("Enter");
    await writer.locator("engage-comments article[part~=comment][data-id]", { hasText: "my first words" }).waitFor();
    await until(writer, "engage-comments [part=notice]", "Comment edited");
    const seen = comment(reader, "my first words");
    await seen.waitFor();
    expect(((await seen.locator("[part~=edited]").textContent()) ?? "").trim()).toBe("(edited)");
    expect(await comment(reader, "my frist words").count()).toBe(0);
  });

  it("posts, replies, shows both live in another browser, counts characters, and focuses the first older comment", async () => {
    const target = uniqueTarget("post");
    // 21 comments: a page of 20, and one older behind "Load older".
    const ids: string[] = [];
    for (let i = 0; i < 21; i++) ids.push(await postFromServer(target, uniqueName("seed"), `seeded comment ${i}`));
    const ana = await open(target);
    const bo = await open(target);
    await signIn(ana, uniqueName("ana"));
    await signIn(bo, uniqueName("bo"));
    await comment(ana, "seeded comment 20").waitFor();
    expect(await comment(ana, "seeded comment 0").count()).toBe(0);

    await ana.locator("engage-comments button[part=load-older]").click();
    await comment(ana, "seeded comment 0").waitFor();
    await eventually(async () => (await focusedId(ana)) === ids[0], 5_000, "focus on the first older comment");
    expect(await ana.locator("engage-comments button[part=load-older]").isVisible()).toBe(false);

    // The counter follows the text against the room's limit.
    await ana.locator("engage-comments textarea[part~=main]").fill("hello");
    await until(ana, "engage-comments form[part~=main] [part=counter]", "5 of 500 characters");
    await write(ana, "first from ana, hi @mira_reads");
    await until(ana, "engage-comments [part=notice]", "Comment posted");
    await comment(bo, "first from ana").waitFor();
    expect(await bo.locator("engage-comments [part=mention]").first().textContent()).toBe("@mira_reads");
    await until(bo, "engage-comments h2", "Comments (22)");

    await comment(bo, "first from ana").locator("[data-action=reply]").click();
    await write(bo, "a reply from bo", "reply");
    await comment(ana, "a reply from bo").waitFor();
    expect(await ana.locator("engage-comments [part=replies] article", { hasText: "a reply from bo" }).count()).toBe(1);
    await comment(ana, "first from ana").getByText(/ago|now/).waitFor();

    // A reader scrolled down is not moved: a cue counts what arrived, and takes them to it.
    await bo.evaluate("window.scrollTo(0, document.body.scrollHeight)");
    await write(ana, "posted while bo reads below");
    await until(bo, "engage-comments [part=new-comments]", "1 new comment");
    await bo.locator("engage-comments [part=new-comments]").click();
    const focusedText = () => bo.evaluate("document.querySelector('engage-comments').shadowRoot.activeElement?.textContent ?? ''") as Promise<string>;
    await eventually(async () => (await focusedText()).includes("posted while bo reads below"), 5_000, "focus on the new comment");
    expect(await bo.locator("engage-comments [part=new-comments]").isVisible()).toBe(false);
    await bo.screenshot({ path: resolve(SCREENSHOTS, "embed-comments-light-en.png"), fullPage: true });
  });

  it("lets the owner delete (after a confirmation), time out and ban with unban from the list, while readers see it", async () => {
    const target = uniqueTarget("post");
    const [owner, cy, di] = [uniqueName("owner"), uniqueName("cy"), uniqueName("di")];
    await call(owner, "PUT", `/v1/targets/${encodeURIComponent(target)}`, { title: "A post" }, ["owner"]);
    await postFromServer(target, cy, "cy says something rude");
    await postFromServer(target, di, "di says something else");
    const mod = await open(target);
    await signIn(mod, owner);
    const reader = await open(target);
    await comment(reader, "cy says something rude").waitFor();

    // Delete asks first; the comment goes from both pages.
    const rude = comment(mod, "cy says something rude");
    await rude.locator("[data-action=delete]").click();
    expect(await rude.locator("[part=hint]").textContent()).toBe("Delete this comment?");
    await rude.locator("[data-action=confirm-delete]").click();
    await until(mod, "engage-comments [part=notice]", "Comment deleted");
    await eventually(async () => (await comment(reader, "cy says something rude").count()) === 0, 10_000, "the reader's copy gone");

    // Pin and highlight show on the reader's page live.
    await comment(mod, "di says something else").locator("[data-action=pin]").click();
    await until(mod, "engage-comments [part=notice]", "Comment pinned");
    await until(reader, "engage-comments [part~=pinned-text]", "di says something else");
    await comment(mod, "di says something else").locator("[data-action=highlight]").click();
    await until(mod, "engage-comments [part=notice]", "Comment highlighted");
    await until(reader, "engage-comments article[part~=comment] [part~=badge-highlighted]", "Highlighted");

    // A timeout with a chosen duration, then a ban, each said on screen; the ban list lifts it.
    const other = comment(mod, "di says something else");
    await other.locator("select[data-action=duration]").selectOption("3600");
    await other.locator("[data-action=timeout]").click();
    await eventually(async () => (await text(mod, "engage-comments [part=notice]")).startsWith(`${di} is timed out until`), 10_000, "the timeout said");
    const Bans = z.object({ bans: z.array(z.object({ userId: z.string(), until: z.string().nullable() })) });
    const timedOut = Bans.parse(await call(owner, "GET", `/v1/targets/${encodeURIComponent(target)}/bans`)).bans;
    expect(timedOut).toHaveLength(1);
    expect(Date.parse(timedOut[0]!.until!) - Date.now()).toBeGreaterThan(3_500_000);

    await other.locator("[data-action=ban]").click();
    await until(mod, "engage-comments [part=notice]", `${di} is banned`);
    await mod.locator("engage-comments [data-control=show-bans]").click();
    const row = mod.locator(`engage-comments [part=bans] li[data-user="site|${di}"]`);
    await until(mod, `engage-comments [part=bans] li[data-user="site|${di}"] [part=hint]`, "until lifted");
    await row.locator("[data-action=unban]").click();
    await until(mod, "engage-comments [part=notice]", `site|${di} may comment again`);
    await until(mod, "engage-comments [part=bans] li", "No one is banned");
    expect(Bans.parse(await call(owner, "GET", `/v1/targets/${encodeURIComponent(target)}/bans`)).bans).toEqual([]);

    // Comments off: readers are told, the owner may still post.
    await mod.locator("engage-comments [data-control=comments-enabled]").uncheck();
    await until(mod, "engage-comments [part=notice]", "Settings saved");
    const readerIn = await open(target);
    await readerIn.evaluate((name) => (globalThis as unknown as { signIn(user: string): Promise<void> }).signIn(name), uniqueName("eve"));
    await until(readerIn, "engage-comments form[part~=main] > [part=hint]", "Comments are turned off");
    await write(mod, "the owner posts while comments are off");
    await comment(reader, "the owner posts while comments are off").waitFor();
    expect(await comment(reader, "the owner posts while comments are off").locator("[part~=badge-owner]").textContent()).toBe("Owner");

    // Slow mode, set from the panel: a reader's second comment is refused with the wait said once, and kept.
    await mod.locator("engage-comments [data-control=comments-enabled]").check();
    await mod.locator("engage-comments select[data-control=slow-mode]").selectOption("30");
    await until(readerIn, "engage-comments form[part~=main] [part=row] > [part=hint]", "Slow mode: one comment every 30 s");
    await write(readerIn, "eve's first");
    await until(readerIn, "engage-comments [part=notice]", "Comment posted");
    await write(readerIn, "eve's second");
    await eventually(async () => /^Slow mode: you can comment again in \d+ s$/.test(await text(readerIn, "engage-comments [part=notice]")), 10_000, "the slow-mode refusal");
    expect(await readerIn.locator("engage-comments textarea[part~=main]").inputValue()).toBe("eve's second");
  });

  it("queues a comment written during a network cut and posts it exactly once after reconnecting", async () => {
    const target = uniqueTarget("post");
    const ana = await open(target);
    const bo = await open(target);
    await signIn(ana, uniqueName("ana"));
    await until(bo, "engage-comments h2", "Comments (0)");

    await ana.context().setOffline(true);
    await until(ana, "engage-like [part=message]", "Offline, reconnecting…");
    await write(ana, "written while offline");
    await until(ana, "engage-comments [part~=pending] [part=state]", "Offline: sent when the connection is back");
    // Longer than 10 s: the old page's writes timed out by the clock and were dropped after such a cut.
    await ana.waitForTimeout(11_000);
    expect(await text(ana, "engage-comments [part~=pending] [part=state]")).toBe("Offline: sent when the connection is back");
    await ana.context().setOffline(false);

    await comment(bo, "written while offline").waitFor({ timeout: 20_000 });
    await eventually(async () => (await ana.locator("engage-comments [part~=pending]").count()) === 0, 20_000, "the queued comment acknowledged");
    expect(await comment(ana, "written while offline").count()).toBe(1);
    await until(bo, "engage-comments h2", "Comments (1)");
    const listed = Listed.parse(await (await fetch(`${site.api}/v1/targets/${encodeURIComponent(target)}/comments`)).json());
    expect(listed.items.filter((item) => item.text === "written while offline")).toHaveLength(1);
  });

  it("shows the comments it missed while the room sent it counts only, once the room switches it back", async () => {
    const target = uniqueTarget("post");
    let route: WebSocketRoute | undefined;
    let countsOnly = false;
    let connections = 0;
    // The real room's frames, except that this stands in for the room's slow-reader switch
    // (durable-objects/send-window.ts): while counts-only, no event reaches the page.
    const page = await open(target, "", (page) =>
      page.routeWebSocket(/\/v1\/targets\/.*\/live/, (ws) => {
        route = ws;
        connections++;
        const upstream = ws.connectToServer();
        upstream.onMessage((message) => {
          if (countsOnly && typeof message === "string" && z.object({ type: z.string() }).parse(JSON.parse(message)).type === "event") return;
          ws.send(message);
        });
        ws.onMessage((message) => upstream.send(message));
      }),
    );
    await until(page, "engage-comments h2", "Comments (0)");

    countsOnly = true;
    route!.send(JSON.stringify({ type: "mode", mode: "counts-only" }));
    await postFromServer(target, uniqueName("bo"), "posted while counts only");
    const listed = async () => Listed.parse(await (await fetch(`${site.api}/v1/targets/${encodeURIComponent(target)}/comments`)).json()).items.length;
    await eventually(async () => (await listed()) === 1, 5_000, "the comment stored");
    await page.waitForTimeout(500);
    expect(await comment(page, "posted while counts only").count()).toBe(0);

    countsOnly = false;
    route!.send(JSON.stringify({ type: "mode", mode: "full" }));
    await comment(page, "posted while counts only").waitFor({ timeout: 10_000 });
    expect(connections).toBe(2);
    await until(page, "engage-comments h2", "Comments (1)");
  });

  it("renders German, with the refusal of a signed-out visitor worded from the catalogue", async () => {
    const target = uniqueTarget("post");
    await postFromServer(target, uniqueName("seed"), "ein Kommentar");
    const page = await open(target, "&locale=de&theme=dark");
    await until(page, "engage-comments h2", "Kommentare (1)");
    await until(page, "engage-comments form[part~=main] > [part=hint]", "Zum Kommentieren anmelden");
    await comment(page, "ein Kommentar").getByText(/vor|jetzt/).waitFor();
    // Every visible button is a 44 px touch target.
    const small: unknown = await page.evaluate(`[...document.querySelector("engage-comments").shadowRoot.querySelectorAll("button")]
      .filter((b) => b.checkVisibility()).map((b) => b.getBoundingClientRect()).filter((r) => r.height < 44 || r.width < 44).length`);
    expect(small).toBe(0);
    await page.screenshot({ path: resolve(SCREENSHOTS, "embed-comments-dark-de.png"), fullPage: true });
  });
});

describe("<engage-comments> shows its author what waits for them alone (the hello's yours)", () => {
  /** A registered target with one published comment, then pre-moderation on, and a restricted user. */
  async function premoderated(restricted: string): Promise<{ target: string; path: string; seed: string }> {
    const target = uniqueTarget("post");
    const owner = uniqueName("owner");
    const path = `/v1/targets/${encodeURIComponent(target)}`;
    await call(owner, "PUT", path, { title: "A post" }, ["owner"]);
    const seed = await postFromServer(target, uniqueName("seed"), "published before");
    await call(owner, "PATCH", `${path}/settings`, { premoderation: true });
    await call(owner, "POST", `${path}/restrictions`, { userId: `site|${restricted}` });
    return { target, path, seed };
  }
  const pending = (page: Page) => page.locator("engage-comments li[data-held]");

  it("keeps the author's pending comment and a restricted author's comment after a reload, once each, and shows them no one else", async () => {
    const troll = uniqueName("troll");
    const { target, path, seed } = await premoderated(troll);
    const author = uniqueName("author");
    const writer = await open(target);
    await signIn(writer, author);
    await write(writer, "waiting for a moderator");
    await until(writer, "engage-comments li[data-held] [part=state]", "Waiting for approval");
    const shadowed = await open(target);
    await signIn(shadowed, troll);
    await write(shadowed, "seen by me alone");
    await shadowed.locator("engage-comments article[part~=comment][data-id]", { hasText: "seen by me alone" }).waitFor();

    await call(author, "POST", `${path}/comments`, { text: "a reply waiting", replyTo: seed });

    // A reload reads the public, cached page again: only the hello brings these back, the
    // reply under its comment even when the hello comes before the page it belongs in.
    const firstPage = /\/comments\?limit=20$/;
    const page = await holdAnswers(writer, firstPage);
    await writer.reload();
    await until(writer, "engage-comments ol[part~=list] > li[data-held] [part~=text]", "a reply waiting");
    expect(await comment(writer, "published before").count()).toBe(0);
    await page.release();
    await writer.unroute(firstPage);
    await until(writer, `engage-comments li:has(> article[data-id="${seed}"]) > ol[part~=replies] > li[data-held] [part~=text]`, "a reply waiting");
    expect(await text(writer, "engage-comments ol[part~=list] > li[data-held] [part~=text]")).toBe("waiting for a moderator");
    expect(await text(writer, "engage-comments li[data-held] [part=state]")).toBe("Waiting for approval");
    await shadowed.reload();
    await shadowed.locator("engage-comments article[part~=comment][data-id]", { hasText: "seen by me alone" }).waitFor();
    await until(shadowed, "engage-comments h2", "Comments (2)");
    // Written elsewhere while these pages are cut off: the reconnect's hello has them, and the
    // events replayed after it name them again; each shows once.
    for (const page of [writer, shadowed]) {
      await page.context().setOffline(true);
      await until(page, "engage-like [part=message]", "Offline, reconnecting…");
    }
    await call(author, "POST", `${path}/comments`, { text: "a second one waiting" });
    await postFromServer(target, troll, "said while away");
    for (const page of [writer, shadowed]) await page.context().setOffline(false);
    await writer.locator("engage-comments li[data-held]", { hasText: "a second one waiting" }).waitFor({ timeout: 20_000 });
    await comment(shadowed, "said while away").waitFor({ timeout: 20_000 });
    await until(shadowed, "engage-comments h2", "Comments (3)");
    for (const page of [writer, shadowed]) await page.waitForLoadState("networkidle");
    expect(await pending(writer).count()).toBe(3);
    expect(await comment(shadowed, "seen by me alone").count()).toBe(1);
    expect(await comment(shadowed, "said while away").count()).toBe(1);

    const reader = await open(target);
    await signIn(reader, uniqueName("reader"));
    await until(reader, "engage-comments h2", "Comments (1)");
    expect(await pending(reader).count()).toBe(0);
    expect(await comment(reader, "seen by me alone").count()).toBe(0);
  });

  it("shows a held edit on the comment it changes, not as a copy, until a moderator approves it", async () => {
    const author = uniqueName("author");
    const target = uniqueTarget("post");
    const owner = uniqueName("owner");
    const path = `/v1/targets/${encodeURIComponent(target)}`;
    await call(owner, "PUT", path, { title: "A post" }, ["owner"]);
    const id = await postFromServer(target, author, "the published words");
    await call(owner, "PATCH", `${path}/settings`, { premoderation: true });
    const writer = await open(target);
    await signIn(writer, author);
    const mine = writer.locator(`engage-comments article[data-id="${id}"]`);
    await mine.locator("[data-action=edit]").click();
    await writer.locator("engage-comments textarea[part~=edit]").fill("the better words");
    await writer.locator("engage-comments textarea[part~=edit]").press("Enter");
    await until(writer, "engage-comments [part=notice]", "Your edit is waiting for approval");
    await until(writer, `engage-comments article[data-id="${id}"] [part~=edit-pending]`, "Your edit is waiting for approval");
    expect(await text(writer, `engage-comments article[data-id="${id}"] [part~=text]`)).toBe("the published words");
    expect(await pending(writer).count()).toBe(0);

    await writer.reload();
    await until(writer, `engage-comments article[data-id="${id}"] [part~=edit-pending]`, "Your edit is waiting for approval");
    expect(await pending(writer).count()).toBe(0);
    expect(await writer.locator("engage-comments article[part~=comment]").count()).toBe(1);

    const Held = z.object({ items: z.array(z.object({ id: z.string(), editOf: z.string().optional() })) });
    const held = Held.parse(await call(owner, "GET", `${path}/held`)).items;
    expect(held.map((item) => item.editOf)).toEqual([id]);
    await call(owner, "POST", `${path}/comments/${held[0]!.id}/approve`, {});
    await until(writer, "engage-comments [part=notice]", "Your edit was approved");
    await until(writer, `engage-comments article[data-id="${id}"] [part~=text]`, "the better words");
    expect(await writer.locator(`engage-comments article[data-id="${id}"] [part~=edit-pending]`).count()).toBe(0);
    expect(await writer.locator("engage-comments article[part~=comment]").count()).toBe(1);
  });
});
