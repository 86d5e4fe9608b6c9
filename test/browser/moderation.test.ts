import { describe, expect, inject, it } from "vitest";
import { commentsPart, commentsWithText, commentText, composerInput, devToken, eventually, holdAnswers, openTarget, postComment, screenshot, uniqueTarget, type Visitor } from "./browser";
import { useBrowser } from "./fixtures";

const baseUrl = inject("pageUrl");
const { visitor } = useBrowser(baseUrl);

/** The owner claims a fresh target in the page and a viewer joins it. */
async function ownedRoom(): Promise<{ target: string; owner: Visitor; viewer: Visitor }> {
  const target = uniqueTarget();
  const owner = await visitor("owner");
  const viewer = await visitor("viewer");
  await openTarget(owner, target);
  await owner.page.getByTestId("claim").click();
  await commentsPart(owner.page, "moderation-panel").waitFor({ state: "visible", timeout: 5_000 });
  await openTarget(viewer, target);
  return { target, owner, viewer };
}

describe("moderation in the browser", () => {
  it("shows the controls to the owner only", async () => {
    const { owner, viewer } = await ownedRoom();
    expect(await commentsPart(owner.page, "moderation-panel").isVisible()).toBe(true);
    expect(await commentsPart(viewer.page, "moderation-panel").isVisible()).toBe(false);
    // The room's moderation view (<engage-moderation>) is the owner's too; a viewer's page has none.
    await owner.page.locator("[data-testid=moderation] [role=tablist]").waitFor({ timeout: 5_000 });
    expect(await viewer.page.locator("engage-moderation").count()).toBe(0);
    const text = commentText("viewer says");
    await postComment(viewer, text);
    await eventually(async () => (await commentsWithText(owner.page, text).count()) === 1, 5_000, "owner sees the comment");
    for (const action of ["Delete", "Pin", "Ban"]) {
      expect(await commentsWithText(owner.page, text).getByRole("button", { name: new RegExp(`^${action}`) }).count(), action).toBe(1);
    }
    expect(await commentsWithText(viewer.page, text).getByRole("button", { name: /^(Pin|Ban)/ }).count()).toBe(0);
    await screenshot(owner.page, "target-owner-controls");
  });

  it("lets the owner delete a viewer's comment and it vanishes in the viewer's window", async () => {
    const { owner, viewer } = await ownedRoom();
    const text = commentText("rude remark");
    await postComment(viewer, text);
    await eventually(async () => (await commentsWithText(owner.page, text).count()) === 1, 5_000, "owner sees it");
    await commentsWithText(owner.page, text).locator("[data-action=delete]").click();
    await commentsWithText(owner.page, text).locator("[data-action=confirm-delete]").click();
    await eventually(async () => (await commentsWithText(viewer.page, text).count()) === 0, 5_000, "gone from the viewer's window");
    expect(await commentsWithText(owner.page, text).count()).toBe(0);
  });

  it("pins a comment on top of every window and unpins it", async () => {
    const { owner, viewer } = await ownedRoom();
    const text = commentText("pin me");
    await postComment(viewer, text);
    await eventually(async () => (await commentsWithText(owner.page, text).count()) === 1, 5_000, "owner sees it");
    await commentsWithText(owner.page, text).locator("[data-action=pin]").click();
    for (const v of [owner, viewer]) {
      await eventually(async () => (await commentsPart(v.page, "pinned-text").textContent()) === text, 5_000, `${v.name} sees the pin`);
    }
    await screenshot(viewer.page, "target-pinned");
    await commentsPart(owner.page, "pinned").getByRole("button", { name: "Unpin" }).click();
    await eventually(async () => (await commentsPart(viewer.page, "pinned-text").isVisible()) === false, 5_000, "unpinned for the viewer");
  });

  it("turns comments off and on, and sets slow mode, for the viewer's composer", async () => {
    const { owner, viewer } = await ownedRoom();
    const input = composerInput(viewer.page);
    // The section's own controls: the page's <engage-moderation> has the same labels.
    await owner.page.getByTestId("comments").getByLabel("Comments on").uncheck();
    await eventually(async () => await input.isDisabled(), 5_000, "viewer's composer disabled");
    expect(await viewer.page.getByText("Comments are turned off").count()).toBe(1);
    await owner.page.getByTestId("comments").getByLabel("Comments on").check();
    await eventually(async () => !(await input.isDisabled()), 5_000, "viewer's composer enabled again");

    await owner.page.getByTestId("comments").getByLabel("Slow mode").selectOption("30");
    await eventually(async () => (await viewer.page.getByText("Slow mode: one comment every 30 s").count()) === 1, 5_000, "slow mode hint");
    await postComment(viewer, commentText("first"));
    const second = commentText("too soon");
    await input.fill(second);
    await input.press("Enter");
    let note = "";
    await eventually(
      async () => /again in \d+ s/.test((note = (await commentsPart(viewer.page, "notice").first().textContent()) ?? "")),
      5_000,
      "slow mode refusal",
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; the composer said: "${note}"`);
    });
    expect(await input.inputValue()).toBe(second);
    expect(await commentsWithText(owner.page, second).count()).toBe(0);
  });

  it("keeps a newer settings change when the owner's own answer arrives after it", async () => {
    const { target, owner } = await ownedRoom();
    const slowMode = owner.page.getByTestId("comments").getByLabel("Slow mode");
    const answer = await holdAnswers(owner.page, /\/v1\/targets\/[^/]+\/settings$/);
    await slowMode.selectOption("30");
    await eventually(async () => answer.served(), 5_000, "the page's change applied (its answer held)");
    // A second change after it, from elsewhere (the owner's token in another client).
    const res = await fetch(`${baseUrl}/v1/targets/${encodeURIComponent(target)}/settings`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${await devToken(baseUrl, owner.name)}` },
      body: JSON.stringify({ slowModeSeconds: 60 }),
    });
    expect(res.status).toBe(200);
    await eventually(async () => (await slowMode.inputValue()) === "60", 5_000, "the newer change announced to the page");
    await answer.release();
    await new Promise((r) => setTimeout(r, 300));
    expect(await slowMode.inputValue()).toBe("60");
  });

  it("bans a viewer, whose next comment is refused", async () => {
    const { owner, viewer } = await ownedRoom();
    const text = commentText("spam");
    await postComment(viewer, text);
    await eventually(async () => (await commentsWithText(owner.page, text).count()) === 1, 5_000, "owner sees it");
    await commentsWithText(owner.page, text).locator("[data-action=ban]").click();
    await eventually(async () => /is banned/.test((await commentsPart(owner.page, "notice").textContent()) ?? ""), 5_000, "ban announced");

    const after = commentText("after the ban");
    const input = composerInput(viewer.page);
    await input.fill(after);
    await input.press("Enter");
    await eventually(async () => ((await commentsPart(viewer.page, "notice").first().textContent()) ?? "").length > 0, 5_000, "refusal shown");
    await new Promise((r) => setTimeout(r, 500));
    expect(await commentsWithText(owner.page, after).count()).toBe(0);
  });
});
