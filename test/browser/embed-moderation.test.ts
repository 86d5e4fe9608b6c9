import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually, holdAnswers, uniqueName, uniqueTarget } from "./browser";
import { SCREENSHOTS, useEmbedSite } from "./embed-site";

// <engage-moderation> (client/embed/moderation/) on another site's page, under the host's
// strict CSP: a moderator and a viewer, each in their own browser context. The moderator's
// changes reach the viewer's page live, the viewer's report reaches the moderator, the tabs
// work by keyboard alone, and axe finds nothing serious in either theme.

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const site = useEmbedSite("browser-embed-moderation", ["owner"]);

async function open(target: string, extra: string, options: { colorScheme?: "light" | "dark"; bypassCSP?: boolean; width?: number } = {}): Promise<Page> {
  const context = await site.browser.newContext({ viewport: { width: options.width ?? 900, height: 800 }, locale: "en-US", colorScheme: options.colorScheme ?? "light", bypassCSP: options.bypassCSP ?? false });
  const page = await context.newPage();
  site.track(page);
  await page.goto(`${site.host.origin}/post?target=${target}${extra}`);
  await page.locator("html[data-ready=true]").waitFor();
  return page;
}

const signIn = (page: Page, user: string) => page.evaluate((name) => (globalThis as unknown as { signIn(user: string): Promise<void> }).signIn(name), user);

/** A moderator's page: resolves once the view shows its tabs (the signed-in hello and the room's staff read). */
async function openAsModerator(target: string, user: string, extra = "", options: Parameters<typeof open>[2] & { beforeSignIn?: (page: Page) => Promise<unknown> } = {}): Promise<Page> {
  const page = await open(target, `&moderation=1${extra}`, options);
  await options.beforeSignIn?.(page);
  await signIn(page, user);
  await page.locator("engage-moderation [role=tablist]").waitFor();
  return page;
}

async function token(user: string): Promise<string> {
  const res = await fetch(site.provider.tokenUrl, { method: "POST", body: JSON.stringify({ sub: user, name: user }) });
  return z.object({ token: z.string() }).parse(await res.json()).token;
}

async function call(user: string, method: string, path: string, body?: unknown, roles?: string[]): Promise<Response> {
  // A site trusts only its "owner" role to register a target (docs/identity.md).
  const bearer = roles === undefined ? await token(user) : await site.provider.sign({ sub: user, name: user, roles });
  return fetch(`${site.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
async function ok(res: Promise<Response>): Promise<unknown> {
  const answer = await res;
  expect(answer.status, answer.url).toBeLessThan(300);
  return answer.json();
}

/** A registered target owned by a fresh user, with one comment by `author`. */
async function room(author: string): Promise<{ target: string; owner: string; commentId: string; commentText: string }> {
  const target = uniqueTarget("post");
  const owner = uniqueName("owner");
  await ok(call(owner, "PUT", `/v1/targets/${encodeURIComponent(target)}`, { title: "A post" }, ["owner"]));
  const posted = await ok(call(author, "POST", `/v1/targets/${encodeURIComponent(target)}/comments`, { text: `${author} says something rude` }));
  // The text as stored: a random name may hold a look-alike of a word the room's filter masks (a55).
  const stored = z.object({ id: z.string(), text: z.string() }).parse(posted);
  return { target, owner, commentId: stored.id, commentText: stored.text };
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? "").trim();
async function until(page: Page, selector: string, wanted: string, ms = 10_000): Promise<void> {
  let last = "";
  await eventually(async () => (last = await text(page, selector)) === wanted, ms, `${selector} to read "${wanted}"`).catch((error: unknown) => {
    throw new Error(`${String(error)}; it read "${last}"`);
  });
}
const notice = "engage-moderation [part=notice]";
/** Where focus is inside the view: the focused element's tag and its tab, action or control (page code as a string: no DOM types here). */
const focused = (page: Page) =>
  page.evaluate(`(() => { const a = document.querySelector("engage-moderation").shadowRoot.activeElement; return a === null ? null : a.dataset.tab ?? a.dataset.action ?? a.dataset.control ?? a.id ?? a.localName; })()`) as Promise<string | null>;

async function writeComment(page: Page, words: string): Promise<void> {
  await page.locator("engage-comments textarea[part~=main]").fill(words);
  await page.locator("engage-comments form[part~=main] button[part=submit]").click();
}

describe("<engage-moderation> with a moderator and a viewer", () => {
  it("bans and unbans, changes settings, sees the viewer's report and deletes the comment, with the viewer's page following live", async () => {
    const viewer = uniqueName("vi");
    const { target, owner, commentId, commentText } = await room(viewer);
    const mod = await openAsModerator(target, owner);
    const reader = await open(target, "&comments=1");
    await signIn(reader, viewer);
    await reader.locator("engage-comments textarea[part~=main]").waitFor();
    await until(mod, "engage-moderation [part~=panel-reports] li", "No reports");

    // Ban, after a confirmation: the viewer's next comment is refused.
    await mod.locator("engage-moderation [data-tab=bans]").click();
    await mod.locator("engage-moderation [data-control=ban-user]").fill(`site|${viewer}`);
    await mod.locator("engage-moderation [data-action=ban]").click();
    await until(mod, "engage-moderation [part~=question]", `Ban site|${viewer} until lifted?`);
    await mod.locator("engage-moderation [data-action=confirm]").click();
    await until(mod, notice, `site|${viewer} is banned`);
    await until(mod, `engage-moderation li[data-user="site|${viewer}"] [part=who]`, `site|${viewer}`);
    expect(await focused(mod)).toBe("ban-user");
    await writeComment(reader, "am I still allowed?");
    await until(reader, "engage-comments [part=notice]", "You cannot comment here right now");

    // Unban: the list empties, focus lands on its heading, the viewer posts again.
    await mod.locator(`engage-moderation li[data-user="site|${viewer}"] [data-action=unban]`).click();
    await until(mod, notice, `site|${viewer} may comment again`);
    await until(mod, "engage-moderation [part~=panel-bans] ul li", "No one is banned");
    expect(await focused(mod)).toBe("bans-title");
    await writeComment(reader, "back again");
    await until(reader, "engage-comments [part=notice]", "Comment posted");

    // Comments off from the view: the viewer's composer says so at once, no reload.
    await mod.locator("engage-moderation [data-tab=settings]").click();
    await mod.locator("engage-moderation [data-control=comments-enabled]").uncheck();
    await until(mod, notice, "Settings saved");
    await until(reader, "engage-comments form[part~=main] > [part=hint]", "Comments are turned off");

    // A second moderator's change (here over REST) shows in the open view without a reload.
    await ok(call(owner, "PATCH", `/v1/targets/${encodeURIComponent(target)}/settings`, { slowModeSeconds: 30, filter: "reject" }));
    await eventually(async () => (await mod.locator("engage-moderation [data-control=slow-mode]").inputValue()) === "30", 10_000, "slow mode from the other moderator");
    expect(await mod.locator("engage-moderation [data-control=filter]").inputValue()).toBe("reject");
    expect(await mod.locator("engage-moderation [data-control=comments-enabled]").isChecked()).toBe(false);

    // The settings tab sets the publish delay (seconds) too.
    await mod.locator("engage-moderation [data-control=publish-delay]").fill("5");
    await mod.locator("engage-moderation [data-control=publish-delay]").press("Tab");
    await eventually(async () => z.object({ settings: z.object({ publishDelaySeconds: z.number() }) }).parse(await ok(call(owner, "GET", `/v1/targets/${encodeURIComponent(target)}`))).settings.publishDelaySeconds === 5, 10_000, "the delay saved");
    await ok(call(owner, "PATCH", `/v1/targets/${encodeURIComponent(target)}/settings`, { publishDelaySeconds: 0 }));

    // The viewer reports the comment while the moderator's Reports tab is open; it shows with its
    // reason by the room's live `report` event: the page is made to look hidden, so the view's
    // timed re-read (only while visible) cannot be what brought it.
    await mod.locator("engage-moderation [data-tab=reports]").click();
    await until(mod, "engage-moderation [part~=panel-reports] li", "No reports");
    await mod.evaluate("Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })");
    await ok(call(viewer, "POST", `/v1/targets/${encodeURIComponent(target)}/comments/${commentId}/report`, { reason: "it is rude" }));
    const group = mod.locator(`engage-moderation li[data-comment="${commentId}"]`);
    await until(mod, `engage-moderation li[data-comment="${commentId}"] [part=count]`, "1 report");
    expect(await group.locator("[part~=text]").textContent()).toBe(commentText);
    expect(await group.locator("[part=reasons] li").first().textContent()).toContain("it is rude");

    // Deleting it from the report asks first; the comment leaves the viewer's page live.
    await reader.locator("engage-comments article[part~=comment]", { hasText: "says something rude" }).waitFor();
    await group.locator("[data-action=delete-comment]").click();
    await until(mod, "engage-moderation [part~=question]", "Delete this comment for everyone?");
    await group.locator("[data-action=confirm]").click();
    await until(mod, notice, "Comment deleted");
    // Main's server keeps the group ("The comment is gone"); one that resolves reports closes it.
    expect(await mod.locator(`engage-moderation li[data-comment="${commentId}"] [data-action=delete-comment]`).count()).toBe(0);
    await eventually(async () => (await reader.locator("engage-comments article[part~=comment]", { hasText: "says something rude" }).count()) === 0, 10_000, "the viewer's copy gone");
    await mod.screenshot({ path: resolve(SCREENSHOTS, "embed-moderation-light.png"), fullPage: true });
  });

  it("works by keyboard alone: arrow keys move between tabs, a ban is confirmed or cancelled without a mouse", async () => {
    const { target, owner } = await room(uniqueName("cy"));
    // The Bans tab's code is a chunk the view fetches once it shows its tabs; here it comes a
    // second late, as on a slow network (or a loaded CI machine, where a Tab once left the still
    // empty panel for the host page). The keys below wait for it instead of racing it.
    const mod = await openAsModerator(target, owner, "", { beforeSignIn: (page) => page.route(/\/bans-panel-[^/]*\.js$/, async (route) => {
      await new Promise((done) => setTimeout(done, 1_000));
      await route.continue();
    }) });
    // Tab from the top of the page until focus reaches the view's selected tab.
    for (let i = 0; i < 40 && (await focused(mod)) !== "held"; i++) await mod.keyboard.press("Tab");
    expect(await focused(mod)).toBe("held");
    const selected = () => text(mod, "engage-moderation [role=tab][aria-selected=true]");
    // The ban list's answers arrive only once focus is in the ban form: its redraw must leave it there.
    const bansRead = await holdAnswers(mod, /\/bans$/);

    await mod.keyboard.press("ArrowRight");
    expect(await focused(mod)).toBe("reports");
    await mod.keyboard.press("ArrowRight");
    expect(await focused(mod)).toBe("bans");
    expect(await selected()).toBe("Bans");
    expect(await mod.locator("engage-moderation #panel-bans").isVisible()).toBe(true);
    expect(await mod.locator("engage-moderation #panel-reports").isVisible()).toBe(false);
    await mod.keyboard.press("End");
    expect(await focused(mod)).toBe("people");
    await mod.keyboard.press("ArrowRight");
    expect(await focused(mod)).toBe("held");
    await mod.keyboard.press("ArrowLeft");
    expect(await selected()).toBe("People");
    await mod.keyboard.press("Home");
    expect(await selected()).toBe("Held");
    await mod.keyboard.press("ArrowRight");
    await mod.keyboard.press("ArrowRight");
    expect(await selected()).toBe("Bans");
    // Only the selected tab is in the Tab order: Tab goes on into its panel, once it is there.
    await mod.locator("engage-moderation [data-control=ban-user]").waitFor({ state: "attached" });
    await mod.keyboard.press("Tab");
    expect(await focused(mod)).toBe("panel-bans");
    await mod.keyboard.press("Tab");
    expect(await focused(mod)).toBe("ban-user");
    await bansRead.release();
    await mod.waitForLoadState("networkidle");
    expect(await focused(mod)).toBe("ban-user");
    await mod.keyboard.type("site|dora");
    await mod.keyboard.press("Enter");
    expect(await focused(mod)).toBe("confirm");
    await mod.keyboard.press("Escape");
    expect(await focused(mod)).toBe("ban");
    expect(await mod.locator("engage-moderation [data-confirm]").count()).toBe(0);
    await mod.keyboard.press("Enter");
    expect(await focused(mod)).toBe("confirm");
    await mod.keyboard.press("Enter");
    await until(mod, notice, "site|dora is banned");
    expect(await focused(mod)).toBe("ban-user");
    await until(mod, 'engage-moderation li[data-user="site|dora"] [part=who]', "site|dora");
  });

  it("shows others a short note instead of the tools (in their language), and the server refuses them anyway", async () => {
    const viewer = uniqueName("vi");
    const { target } = await room(viewer);
    const page = await open(target, "&moderation=1");
    await until(page, "engage-moderation [part=note]", "Sign in as the room's owner or a moderator to moderate it.");
    await signIn(page, viewer);
    await until(page, "engage-moderation [part=note]", "This view is for the room's owner and moderators.");
    expect(await page.locator("engage-moderation [role=tablist]").isVisible()).toBe(false);
    expect((await call(viewer, "GET", `/v1/targets/${encodeURIComponent(target)}/bans`)).status).toBe(403);
    // Its words come from its own catalogue, German here (a chunk of the view's build).
    const german = await open(target, "&moderation=1&locale=de");
    await until(german, "engage-moderation [part=note]", "Melde dich als Inhaber oder Moderator des Raums an, um ihn zu moderieren.");
  });

  it("lets the owner make the viewer a moderator from People, whose view opens on their next sign-in, and take it back after a confirmation", async () => {
    const viewer = uniqueName("vi");
    const { target, owner } = await room(viewer);
    const page = await open(target, "&moderation=1");
    await signIn(page, viewer);
    await until(page, "engage-moderation [part=note]", "This view is for the room's owner and moderators.");
    const mod = await openAsModerator(target, owner);
    await mod.locator("engage-moderation [data-tab=people]").click();
    await until(mod, "engage-moderation #panel-people [part~=hint]", `Owner: site|${owner}`);
    await mod.locator("engage-moderation [data-control=moderators-user]").fill(`site|${viewer}`);
    await mod.locator("engage-moderation [data-action=add-moderators]").click();
    await until(mod, notice, `site|${viewer} is a moderator`);
    // The room sends no event when its staff changes: the next hello (here a sign-in) reads it.
    await signIn(page, viewer);
    await page.locator("engage-moderation [role=tablist]").waitFor();

    await mod.locator(`engage-moderation li[data-user="site|${viewer}"] [data-action=remove-moderators]`).click();
    await until(mod, "engage-moderation [part~=question]", `Take site|${viewer}'s moderator role away?`);
    await mod.locator("engage-moderation [data-action=confirm]").click();
    await until(mod, notice, `site|${viewer} is no longer a moderator`);
    await until(mod, "engage-moderation #panel-people [part=list] li", "No moderators besides the owner");
    expect(await focused(mod)).toBe("moderators-title");
  });
});

describe("<engage-moderation>'s held queue with the author's <engage-comments>", () => {
  it("holds comments under pre-moderation: pending for their author alone, live in Held, approved by keyboard or denied with a reason, published to a reader only when approved", async () => {
    const author = uniqueName("au");
    const { target, owner } = await room(uniqueName("vi"));
    const path = `/v1/targets/${encodeURIComponent(target)}`;
    const mod = await openAsModerator(target, owner);

    // The settings tab holds every comment and hides one after 3 reports.
    await mod.locator("engage-moderation [data-tab=settings]").click();
    await mod.locator("engage-moderation [data-control=premoderation]").check();
    await until(mod, notice, "Settings saved");
    await mod.locator("engage-moderation [data-control=hide-after-reports]").fill("3");
    await mod.locator("engage-moderation [data-control=hide-after-reports]").press("Tab");
    await eventually(async () => z.object({ settings: z.object({ premoderation: z.boolean(), hideAfterReports: z.number() }) }).parse(await ok(call(owner, "GET", path))).settings.hideAfterReports === 3, 10_000, "the settings saved");
    expect(z.object({ settings: z.object({ premoderation: z.boolean() }) }).parse(await ok(call(owner, "GET", path))).settings.premoderation).toBe(true);

    await mod.locator("engage-moderation [data-tab=held]").click();
    await until(mod, "engage-moderation #panel-held li", "Nothing is waiting");
    // From here the queue is never read again: what shows in it came by the live `held` event.
    const heldReads = await holdAnswers(mod, /\/held\?/);
    const writer = await open(target, "&comments=1");
    await signIn(writer, author);
    const reader = await open(target, "&comments=1");
    await writer.locator("engage-comments textarea[part~=main]").waitFor();
    const published = (page: Page, words: string) => page.locator("engage-comments li:not([data-held]) > article[part~=comment]", { hasText: words }).count();

    await writeComment(writer, "please let me in");
    await until(writer, "engage-comments [part=notice]", "Your comment is waiting for a moderator to approve it");
    await until(writer, "engage-comments li[data-held] [part=state]", "Waiting for approval");
    expect(await text(writer, "engage-comments li[data-held] [part~=text]")).toBe("please let me in");
    await until(mod, "engage-moderation #panel-held li[data-held] [part~=text]", "please let me in");
    expect(await text(mod, "engage-moderation #panel-held li[data-held] [part=hint]")).toContain("pre-moderation");
    expect(await reader.locator("engage-comments li[data-held]").count()).toBe(0);
    expect(await published(reader, "please let me in")).toBe(0);

    // Approve from the keyboard: Tab from the selected tab into the panel, then to Approve.
    await mod.locator("engage-moderation [data-tab=held]").focus();
    await mod.keyboard.press("Tab");
    await mod.keyboard.press("Tab");
    expect(await focused(mod)).toBe("approve");
    await mod.keyboard.press("Enter");
    await until(mod, notice, `${author}'s comment is published`);
    await until(mod, "engage-moderation #panel-held li", "Nothing is waiting");
    expect(await focused(mod)).toBe("held-title");
    await until(writer, "engage-comments [part=notice]", "Your comment was approved");
    await eventually(async () => (await published(writer, "please let me in")) === 1 && (await writer.locator("engage-comments li[data-held]").count()) === 0, 10_000, "the author's pending copy replaced by the comment");
    await eventually(async () => (await published(reader, "please let me in")) === 1, 10_000, "the reader sees it once approved");

    // Deny with a reason typed in the item: the author's copy goes with a notice, the reader never sees it.
    await writeComment(writer, "buy my stuff");
    await until(mod, "engage-moderation #panel-held li[data-held] [part~=text]", "buy my stuff");
    await mod.locator("engage-moderation #panel-held li[data-held] input").fill("advertising");
    await mod.locator("engage-moderation #panel-held li[data-held] input").press("Enter");
    await until(mod, notice, `${author}'s comment is denied`);
    expect(await focused(mod)).toBe("held-title");
    await until(writer, "engage-comments [part=notice]", "A moderator did not approve your comment");
    expect(await writer.locator("engage-comments li[data-held]").count()).toBe(0);
    expect(await published(writer, "buy my stuff")).toBe(0);
    expect(await published(reader, "buy my stuff")).toBe(0);
    const Log = z.object({ entries: z.array(z.object({ action: z.string(), reason: z.string().nullable() })) });
    expect(Log.parse(await ok(call(owner, "GET", `${path}/modlog`))).entries[0]).toMatchObject({ action: "deny", reason: "advertising" });
    // The view's periodic re-read may have asked meanwhile: its answer goes now.
    if (heldReads.served()) await heldReads.release();
  });
});

describe("<engage-moderation>'s restrictions (in the Bans tab) with the restricted viewer and a reader", () => {
  it("restricts the viewer from the view: their next comment reaches them and not a reader; another moderator's restriction shows live; lifting asks first and is not drawn away by a re-read", async () => {
    const viewer = uniqueName("vi");
    const { target, owner } = await room(uniqueName("au"));
    const path = `/v1/targets/${encodeURIComponent(target)}`;
    const mod = await openAsModerator(target, owner);
    const writer = await open(target, "&comments=1");
    await signIn(writer, viewer);
    const reader = await open(target, "&comments=1");
    await signIn(reader, uniqueName("rd"));
    await writer.locator("engage-comments textarea[part~=main]").waitFor();
    await reader.locator("engage-comments textarea[part~=main]").waitFor();
    const shown = (page: Page, words: string) => page.locator("engage-comments article[part~=comment]", { hasText: words }).count();
    const restricted = "engage-moderation #panel-bans [part=restrictions]";

    // Restrict by id with a reason: the list shows who, by whom and why; focus stays in the form.
    await mod.locator("engage-moderation [data-tab=bans]").click();
    await until(mod, `${restricted} li`, "No one is restricted");
    await mod.locator("engage-moderation [data-control=restrict-user]").fill(`site|${viewer}`);
    await mod.locator("engage-moderation [data-control=restrict-reason]").fill("sock puppet");
    await mod.locator("engage-moderation [data-action=restrict]").click();
    await until(mod, notice, `site|${viewer} is restricted`);
    await until(mod, `${restricted} li[data-user="site|${viewer}"] [part=who]`, `site|${viewer}`);
    const hint = await text(mod, `${restricted} li[data-user="site|${viewer}"] [part=hint]`);
    expect(hint).toContain(`by site|${owner}`);
    expect(hint).toContain("sock puppet");
    expect(await focused(mod)).toBe("restrict-user");

    // The viewer's next comment looks posted to them; the reader gets a later comment and never this one.
    await writeComment(writer, "nobody hears me");
    await until(writer, "engage-comments [part=notice]", "Comment posted");
    await eventually(async () => (await shown(writer, "nobody hears me")) === 1, 10_000, "the restricted viewer sees their comment");
    await ok(call(uniqueName("dz"), "POST", `${path}/comments`, { text: "a later comment" }));
    await eventually(async () => (await shown(reader, "a later comment")) === 1, 10_000, "the reader sees the later comment");
    expect(await shown(reader, "nobody hears me")).toBe(0);

    // Another moderator restricts someone while the page looks hidden (no timed re-read): the
    // room's `modlog` event brings the row.
    const other = uniqueName("mod");
    const troll = `site|${uniqueName("tr")}`;
    await ok(call(owner, "POST", `${path}/moderators`, { userId: `site|${other}` }));
    await mod.evaluate("Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })");
    await ok(call(other, "POST", `${path}/restrictions`, { userId: troll }));
    await until(mod, `${restricted} li[data-user="${troll}"] [part=who]`, troll);
    expect(await text(mod, `${restricted} li[data-user="${troll}"] [part=hint]`)).toContain(`by site|${other}`);
    await mod.screenshot({ path: resolve(SCREENSHOTS, "embed-moderation-restrictions.png"), fullPage: true });

    // The other moderator lifts theirs; the re-read it starts answers only after the viewer's
    // Lift confirmation opened: the confirmation stays.
    const reread = await holdAnswers(mod, /\/restrictions\?/);
    await ok(call(other, "DELETE", `${path}/restrictions/${encodeURIComponent(troll)}`));
    await eventually(async () => reread.served(), 10_000, "the live modlog's re-read on its way");
    await mod.locator(`${restricted} li[data-user="site|${viewer}"] [data-action=lift-restriction]`).click();
    await until(mod, "engage-moderation [part~=question]", `Lift site|${viewer}'s restriction? Their new comments will be seen by everyone.`);
    expect(await focused(mod)).toBe("confirm");
    await reread.release();
    await mod.evaluate(() => new Promise((done) => setTimeout(done, 300)));
    expect(await mod.locator("engage-moderation [data-confirm]").count()).toBe(1);
    // Later reads go straight to the server (one in flight when the page closes must not fail the route).
    await mod.unrouteAll({ behavior: "wait" });
    await mod.locator("engage-moderation [data-action=confirm]").click();
    await until(mod, notice, `site|${viewer}'s restriction is lifted`);
    await until(mod, `${restricted} li`, "No one is restricted");
    expect(await focused(mod)).toBe("restricted-title");

    // Lifted: the viewer's next comment reaches the reader (the one made while restricted stays hidden).
    await writeComment(writer, "heard again");
    await eventually(async () => (await shown(reader, "heard again")) === 1, 10_000, "the reader sees the comment after the lift");
    expect(await shown(reader, "nobody hears me")).toBe(0);

    // The mod log words both actions, newest first.
    await mod.locator("engage-moderation [data-tab=log]").click();
    await until(mod, "engage-moderation #panel-log li span[dir]", `site|${owner}: lifted the restriction of`);
    expect(await text(mod, "engage-moderation #panel-log li:nth-child(2) span[dir]")).toBe(`site|${other}: lifted the restriction of`);
    expect(await text(mod, "engage-moderation #panel-log li:nth-child(3) span[dir]")).toBe(`site|${other}: restricted`);
  });
});

describe("<engage-moderation>'s restriction list, paged", () => {
  it("shows 50 restrictions, the rest on Load more, and puts focus on the row it brought", async () => {
    const { target, owner } = await room(uniqueName("au"));
    const path = `/v1/targets/${encodeURIComponent(target)}`;
    // Two moderators share the 51 writes, well inside the per-user moderation rate limit; one token each.
    const other = uniqueName("mod");
    await ok(call(owner, "POST", `${path}/moderators`, { userId: `site|${other}` }));
    const users = Array.from({ length: 51 }, () => `site|${uniqueName("tr")}`);
    const bearers = [await token(owner), await token(other)];
    for (const [i, userId] of users.entries()) {
      const res = await fetch(`${site.api}${path}/restrictions`, { method: "POST", headers: { authorization: `Bearer ${bearers[i % 2]}`, "content-type": "application/json" }, body: JSON.stringify({ userId }) });
      expect(res.status).toBe(201);
    }
    const mod = await openAsModerator(target, owner);
    await mod.locator("engage-moderation [data-tab=bans]").click();
    const rows = mod.locator("engage-moderation #panel-bans [part=restrictions] li[data-user]");
    // Page code as a string: no DOM types here.
    const listed = async () => z.array(z.string()).parse(await mod.evaluate(`[...document.querySelector("engage-moderation").shadowRoot.querySelectorAll("#panel-bans [part=restrictions] li[data-user]")].map((li) => li.dataset.user)`));
    await eventually(async () => (await rows.count()) === 50, 10_000, "the first page of 50");
    expect(await mod.locator("engage-moderation [data-action=more-restrictions]").isVisible()).toBe(true);
    await mod.locator("engage-moderation [data-action=more-restrictions]").click();
    await eventually(async () => (await rows.count()) === 51, 10_000, "the second page");
    expect(new Set(await listed())).toEqual(new Set(users));
    expect(await mod.locator("engage-moderation [data-action=more-restrictions]").isVisible()).toBe(false);
    // Focus is on the row Load more brought (the last one), not lost to <body>.
    expect(await focused(mod)).toBe("lift-restriction");
    expect(await mod.evaluate(`document.querySelector("engage-moderation").shadowRoot.activeElement.dataset.key`)).toBe(`lift ${(await listed()).at(-1)}`);
  });
});

const Violation = z.object({
  id: z.string(),
  impact: z.string().nullish(),
  help: z.string(),
  nodes: z.array(z.object({ target: z.array(z.unknown()), failureSummary: z.string().nullish() })),
});

/** axe over the whole document, open shadow roots included; serious and critical ones are returned. */
async function axe(page: Page, label: string): Promise<string[]> {
  await page.evaluate(await AXE_SOURCE);
  const raw: unknown = await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((result) => result.violations)`);
  const violations = z.array(Violation).parse(raw);
  for (const v of violations) console.log(`[axe ${label}] ${v.impact ?? "?"} ${v.id}: ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

/** Every visible control of the view smaller than 44x44 CSS px (checkboxes sit in a 44 px label). */
const smallTargets = (page: Page) =>
  page.evaluate(`[...document.querySelector("engage-moderation").shadowRoot.querySelectorAll("button, select, input:not([type=checkbox]), label")]
    .filter((c) => c.checkVisibility()).map((c) => ({ c: c.dataset.tab ?? c.dataset.action ?? c.dataset.control ?? c.textContent, r: c.getBoundingClientRect() }))
    .filter(({ r }) => r.height < 44 || r.width < 44).map(({ c }) => c)`) as Promise<string[]>;

describe("<engage-moderation>'s accessibility", () => {
  for (const theme of ["light", "dark"] as const) {
    it(`has no serious or critical axe violation on any tab, ${theme} theme, with 44 px targets on a phone`, async () => {
      const viewer = uniqueName("vi");
      const { target, owner, commentId } = await room(viewer);
      await ok(call(viewer, "POST", `/v1/targets/${encodeURIComponent(target)}/comments/${commentId}/report`, { reason: "spam" }));
      await ok(call(owner, "POST", `/v1/targets/${encodeURIComponent(target)}/bans`, { userId: `site|${viewer}`, durationSeconds: 600, reason: "cool down" }));
      await ok(call(owner, "POST", `/v1/targets/${encodeURIComponent(target)}/members`, { userId: `site|${viewer}` }));
      await ok(call(owner, "PATCH", `/v1/targets/${encodeURIComponent(target)}/settings`, { premoderation: true }));
      const restricted = `site|${uniqueName("cy")}`;
      await ok(call(owner, "POST", `/v1/targets/${encodeURIComponent(target)}/restrictions`, { userId: restricted, reason: "sock puppet" }));
      await ok(call(uniqueName("cy"), "POST", `/v1/targets/${encodeURIComponent(target)}/comments`, { text: "held for review" }));
      const page = await openAsModerator(target, owner, `&theme=${theme}`, { colorScheme: theme, bypassCSP: true, width: 360 });
      await page.locator("engage-moderation #panel-held li[data-held]").waitFor();
      await page.locator("engage-moderation [data-tab=reports]").click();
      await until(page, `engage-moderation li[data-comment="${commentId}"] [part=count]`, "1 report");
      const found: string[] = [];
      for (const tab of ["held", "reports", "bans", "settings", "terms", "log", "people"]) {
        await page.locator(`engage-moderation [data-tab=${tab}]`).click();
        if (tab === "bans" || tab === "people") await page.locator(`engage-moderation #panel-${tab} li[data-user="site|${viewer}"]`).waitFor();
        if (tab === "bans") await page.locator(`engage-moderation #panel-bans [part=restrictions] li[data-user="${restricted}"]`).waitFor();
        await page.waitForLoadState("networkidle");
        found.push(...(await axe(page, `${theme} ${tab}`)), ...(await smallTargets(page)).map((c) => `${tab}: ${c} is under 44 px`));
      }
      expect(found).toEqual([]);
      if (theme === "dark") await page.screenshot({ path: resolve(SCREENSHOTS, "embed-moderation-dark-phone.png"), fullPage: true });
    });
  }
});

// Terms, the mod log and report groups with resolve are routes of the `terms` branch (issue 21),
// not on main yet: these run once it is merged (remove `.skip`; they passed against that branch
// merged with this one). The view's parsers for them are client/embed/moderation/wire.ts.
describe("<engage-moderation>'s terms, mod log and report triage", () => {
  it("saves the room's terms, which the server keeps", async () => {
    const { target, owner } = await room(uniqueName("vi"));
    const mod = await openAsModerator(target, owner);
    // The lists' first read answers only after the moderator typed: it must not overwrite that.
    const termsRead = await holdAnswers(mod, /\/terms$/);
    await mod.locator("engage-moderation [data-tab=terms]").click();
    await mod.locator("engage-moderation [data-control=blocked]").fill("rude\nspam*");
    await termsRead.release();
    await mod.waitForLoadState("networkidle");
    expect(await mod.locator("engage-moderation [data-control=blocked]").inputValue()).toBe("rude\nspam*");
    await mod.locator("engage-moderation [data-control=suspect]").fill("maybe");
    await mod.locator("engage-moderation [data-action=save-terms]").click();
    await until(mod, notice, "Terms saved");
    const Terms = z.object({ blocked: z.array(z.string()), suspect: z.array(z.string()) });
    expect(Terms.parse(await ok(call(owner, "GET", `/v1/targets/${encodeURIComponent(target)}/terms`)))).toEqual({ blocked: ["rude", "spam*"], suspect: ["maybe"] });
    // Another moderator's lists show when the tab is opened again.
    await ok(call(owner, "PUT", `/v1/targets/${encodeURIComponent(target)}/terms`, { blocked: ["other"], suspect: [] }));
    await mod.locator("engage-moderation [data-tab=log]").click();
    await mod.locator("engage-moderation [data-tab=terms]").click();
    await eventually(async () => (await mod.locator("engage-moderation [data-control=blocked]").inputValue()) === "other", 10_000, "the other moderator's terms");
  });

  it("shows the server's report groups and resolves them: dismiss keeps the comment, delete removes it after a confirmation", async () => {
    const viewer = uniqueName("vi");
    const { target, owner, commentId } = await room(viewer);
    const posted = await ok(call(uniqueName("cy"), "POST", `/v1/targets/${encodeURIComponent(target)}/comments`, { text: "another one" }));
    const other = z.object({ id: z.string() }).parse(posted).id;
    for (const id of [commentId, other]) await ok(call(viewer, "POST", `/v1/targets/${encodeURIComponent(target)}/comments/${id}/report`, { reason: `about ${id}` }));
    const mod = await openAsModerator(target, owner);
    await mod.locator("engage-moderation [data-tab=reports]").click();
    await until(mod, `engage-moderation li[data-comment="${other}"] [part=count]`, "1 report");
    await mod.locator(`engage-moderation li[data-comment="${other}"] [data-action=dismiss]`).click();
    await until(mod, notice, "Reports dismissed");
    expect(await mod.locator(`engage-moderation li[data-comment="${other}"]`).count()).toBe(0);
    expect((await fetch(`${site.api}/v1/targets/${encodeURIComponent(target)}/comments/${other}`)).status).toBe(200);

    // A new report's live event starts a read of the groups; the moderator opens the delete
    // confirmation while it is on its way. Its answer does not draw the confirmation away: the
    // list it read shows once the deletion redraws.
    const reread = await holdAnswers(mod, /\/reports\/by-comment/);
    await ok(call(uniqueName("dz"), "POST", `/v1/targets/${encodeURIComponent(target)}/comments/${other}/report`, { reason: "again" }));
    await eventually(async () => reread.served(), 10_000, "the live report's re-read on its way");
    await mod.locator(`engage-moderation li[data-comment="${commentId}"] [data-action=delete-comment]`).click();
    await until(mod, "engage-moderation [part~=question]", "Delete this comment for everyone?");
    await reread.release();
    await mod.evaluate(() => new Promise((done) => setTimeout(done, 300)));
    expect(await mod.locator("engage-moderation [data-confirm]").count()).toBe(1);
    await mod.locator("engage-moderation [data-action=confirm]").click();
    await until(mod, notice, "Comment deleted");
    await until(mod, `engage-moderation li[data-comment="${other}"] [part=count]`, "1 report");
    expect(await mod.locator(`engage-moderation li[data-comment="${commentId}"]`).count()).toBe(0);
    expect(await focused(mod)).toBe("reports-title");
    expect((await fetch(`${site.api}/v1/targets/${encodeURIComponent(target)}/comments/${commentId}`)).status).toBe(404);
  });

  it("lists the moderators' actions newest first", async () => {
    const viewer = uniqueName("vi");
    const { target, owner } = await room(viewer);
    const mod = await openAsModerator(target, owner);
    await ok(call(owner, "PATCH", `/v1/targets/${encodeURIComponent(target)}/settings`, { slowModeSeconds: 5 }));
    await ok(call(owner, "POST", `/v1/targets/${encodeURIComponent(target)}/bans`, { userId: `site|${viewer}`, reason: "spam" }));
    await mod.locator("engage-moderation [data-tab=log]").click();
    await eventually(async () => (await text(mod, "engage-moderation #panel-log li")).includes(`site|${owner}: banned site|${viewer}`), 10_000, "the ban, newest, in the mod log");
    expect(await text(mod, "engage-moderation #panel-log li")).toContain("(spam)");
    expect(await text(mod, "engage-moderation #panel-log li:nth-child(2)")).toContain("changed settings");
  });
});
