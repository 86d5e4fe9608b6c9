import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { commentsWithText, composerInput, connected, devToken, eventually, likeButton, openTarget, partText, screenshot, uniqueName, uniqueTarget } from "./browser";
import { useBrowser } from "./fixtures";

// What a person found using the live page (issue 19, "One UI"), each held here.

const baseUrl = inject("pageUrl");
const { visitor } = useBrowser(baseUrl);
const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const activeElement = (page: Page): Promise<unknown> =>
  page.evaluate(`(() => { const a = document.activeElement; return a === null || a === document.body ? "body" : a.localName + (a.id ? "#" + a.id : "") + ":" + (a.textContent ?? "").trim(); })()`);

/** axe over the whole page, open shadow roots included; the serious and critical violations. */
async function seriousViolations(page: Page, label: string): Promise<string[]> {
  // evaluate, not a script tag: the page's CSP (script-src 'self') would refuse an inline one.
  await page.evaluate(await AXE_SOURCE);
  const raw: unknown = await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`);
  const violations = z.array(z.object({ id: z.string(), impact: z.string().nullish(), nodes: z.array(z.object({ target: z.array(z.unknown()) })) })).parse(raw);
  for (const v of violations) console.log(`[axe ${label}] ${v.impact ?? "?"} ${v.id} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

describe("the live page, as a person uses it", () => {
  it("does not make a home-page visitor a viewer of the targets it lists", async () => {
    const home = await visitor(null);
    const row = home.page.locator('[data-target="game:final"]');
    await eventually(async () => /\d+ likes?/.test((await row.getByTestId("home-count").locator('[part="count"]').textContent()) ?? ""), 5_000, "the listed count");
    // The room counts its sockets in the hello: only this one, not the home page's.
    const watcher = await visitor(null);
    await openTarget(watcher, "game:final");
    expect(await partText(watcher.page, "viewers", "viewers")).toBe("1 watching");
  });

  it("shows the target's title, a refused reaction on screen, and a claim someone else made", async () => {
    const guest = await visitor(null);
    await guest.page.getByRole("link", { name: "Post: welcome to the live page" }).click();
    await connected(guest.page);
    expect(await guest.page.getByTestId("target-title").textContent()).toBe("Post: welcome to the live page");
    await guest.page.getByTestId("reactions").locator('[data-emoji="love"]').click();
    const note = guest.page.getByTestId("reactions").locator('[part~="message"]');
    await eventually(async () => (await note.textContent()) === "Sign in to react", 2_000, "the refusal");
    expect(await note.isVisible()).toBe(true);

    const target = uniqueTarget();
    const ada = await visitor("ada");
    const bob = await visitor("bob");
    await openTarget(ada, target);
    await openTarget(bob, target);
    await ada.page.getByTestId("claim").click();
    await ada.page.getByTestId("owner").waitFor();
    const status = ada.page.getByTestId("announcer");
    expect(await status.textContent()).toBe("You own this target now");
    expect(await status.isVisible()).toBe(true);
    // Bob's button predates Ada's claim: pressing it says so and leaves the owner in its place.
    await bob.page.getByTestId("claim").click();
    await bob.page.getByTestId("owner").waitFor({ timeout: 5_000 });
    expect(await bob.page.getByTestId("claim").count()).toBe(0);
    expect(await bob.page.getByTestId("announcer").textContent()).toMatch(/^Could not claim/);
    expect(await activeElement(bob.page)).not.toBe("body");
  });

  it("lets a click through the announcement line to the control under it", async () => {
    // The line stays 8 s at the bottom of the screen (announcer.ts) over whatever scrolled under
    // it: a comment's Delete there took 7 s to click in moderation.test.ts ("intercepts pointer events").
    const ada = await visitor("ada");
    await openTarget(ada, uniqueTarget());
    await likeButton(ada.page).click();
    await eventually(async () => ((await ada.page.getByTestId("announcer").textContent()) ?? "") !== "", 3_000, "the announcement");
    const hit: unknown = await ada.page.evaluate(
      `(() => { const r = document.getElementById("announcer").getBoundingClientRect(); const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); return at === null ? null : at.id || at.localName; })()`,
    );
    expect(hit).not.toBe("announcer");
  });

  it("shows your reactions pressed after a reload, un-presses on the first click, and charts the count's changes", async () => {
    const target = uniqueTarget();
    const ada = await visitor("ada");
    await openTarget(ada, target);
    const love = () => ada.page.getByTestId("reactions").locator('[data-emoji="love"]');
    await love().click();
    await eventually(async () => (await love().getAttribute("aria-pressed")) === "true", 3_000, "pressed");
    const like = likeButton(ada.page);
    for (const wanted of ["1", "0", "1"]) {
      await like.click();
      await eventually(async () => (await partText(ada.page, "like", "count")) === wanted, 3_000, `count ${wanted}`);
      await eventually(async () => (await like.getAttribute("aria-busy")) === "false", 3_000, "settled");
    }
    // Like, unlike, like: one like, as the count says, not two.
    expect(await ada.page.getByTestId("sparkline-summary").textContent()).toMatch(/^1 like in the last 15 minutes/);

    await ada.page.reload();
    await connected(ada.page);
    await eventually(async () => (await love().getAttribute("aria-pressed")) === "true", 3_000, "pressed after the reload");
    await love().click();
    await eventually(async () => (await love().getAttribute("aria-pressed")) === "false", 3_000, "un-pressed by one click");
    expect(await love().locator('[part="reaction-count"]').textContent()).toBe("");
  });

  it("keeps focus off <body> across sign-in and sign-out, and shows the heading's focus without a ring", async () => {
    const guest = await visitor(null);
    await guest.page.goto(`${baseUrl}/#/t/${uniqueTarget()}`);
    await connected(guest.page);
    expect(await activeElement(guest.page)).toMatch(/^h1/);
    expect(await guest.page.evaluate(`getComputedStyle(document.activeElement).outlineStyle`)).toBe("none");

    await guest.page.getByLabel("User name").fill(uniqueName("kai"));
    await guest.page.getByLabel("User name").press("Enter");
    await guest.page.getByTestId("signed-in-as").waitFor();
    expect(await activeElement(guest.page)).toBe("button:Sign out");
    await guest.page.keyboard.press("Enter");
    await guest.page.getByLabel("User name").waitFor();
    expect(await activeElement(guest.page)).toBe("input#user-name:");
  });

  it("gives every control at least 44 px of height on a phone", async () => {
    const ada = await visitor("ada");
    await ada.page.setViewportSize({ width: 390, height: 844 });
    await openTarget(ada, uniqueTarget());
    await ada.page.getByTestId("claim").waitFor();
    const heights: unknown = await ada.page.evaluate(`(() => {
      const roots = [document, ...[...document.querySelectorAll("*")].filter((e) => e.shadowRoot).map((e) => e.shadowRoot)];
      return roots.flatMap((root) => [...root.querySelectorAll("button, input, select, textarea, a")])
        .filter((c) => c.getClientRects().length > 0 && !c.classList.contains("skip-link") && c.type !== "checkbox")
        .map((c) => ({ control: c.localName + ":" + (c.textContent || c.getAttribute("aria-label") || c.id).trim().slice(0, 30), height: c.getBoundingClientRect().height }));
    })()`);
    const controls = z.array(z.object({ control: z.string(), height: z.number() })).parse(heights);
    expect(controls.length).toBeGreaterThan(8);
    expect(controls.filter((c) => c.height < 44)).toEqual([]);
  });

  it("keeps the comment box in reach on a phone while the reader scrolls down the comments", async () => {
    const target = uniqueTarget();
    // Twelve long comments, each by its own author (a user may post 10 a minute): taller than a phone screen.
    for (let i = 0; i < 12; i++) {
      const token = await devToken(baseUrl, uniqueName(`writer${i}`));
      const res = await fetch(`${baseUrl}/v1/targets/${encodeURIComponent(target)}/comments`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: `comment ${i}: ${"a long line of reading for a small screen ".repeat(6)}` }),
      });
      expect(res.status).toBe(201);
    }
    const ada = await visitor("ada");
    await ada.page.setViewportSize({ width: 390, height: 844 });
    await openTarget(ada, target);
    const oldest = commentsWithText(ada.page, `comment 0: ${"a long line of reading for a small screen ".repeat(6)}`);
    await oldest.waitFor();
    await oldest.scrollIntoViewIfNeeded();
    const box = await composerInput(ada.page).boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height).toBeLessThanOrEqual(844);
    // And it still takes a comment from there.
    await composerInput(ada.page).fill("written from the bottom of the list");
    await composerInput(ada.page).press("Enter");
    await commentsWithText(ada.page, "written from the bottom of the list").waitFor();
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`has no serious or critical axe violation on the home and target pages, ${scheme}`, async () => {
      const ada = await visitor("ada");
      await ada.page.emulateMedia({ colorScheme: scheme });
      await eventually(async () => (await ada.page.getByTestId("home-count").first().locator('[part="count"]').textContent()) !== "", 5_000, "counts");
      expect(await seriousViolations(ada.page, `home ${scheme}`)).toEqual([]);
      const target = uniqueTarget();
      const token = await devToken(baseUrl, uniqueName("writer"));
      const res = await fetch(`${baseUrl}/v1/targets/${target}/comments`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ text: "a comment to scan" }) });
      expect(res.status).toBe(201);
      await openTarget(ada, target);
      await ada.page.locator("engage-comments article[part~=comment]").first().waitFor();
      await likeButton(ada.page).click();
      await eventually(async () => (await partText(ada.page, "like", "count")) === "1", 3_000, "liked");
      expect(await seriousViolations(ada.page, `target ${scheme}`)).toEqual([]);
      await screenshot(ada.page, `target-${scheme}`);
    });
  }
});
