import { describe, expect, inject, it } from "vitest";
import { eventually, openTarget, uniqueTarget } from "./browser";
import { useBrowser } from "./fixtures";

const baseUrl = inject("pageUrl");
const { visitor } = useBrowser(baseUrl);

describe("reactions in the browser", () => {
  it("counts a reaction from one window in the other and presses the reacting user's button", async () => {
    const target = uniqueTarget();
    const ada = await visitor("ada");
    const bob = await visitor("bob");
    await openTarget(ada, target);
    await openTarget(bob, target);

    const adaLove = ada.page.getByTestId("reactions").locator('[data-emoji="love"]');
    const bobLove = bob.page.getByTestId("reactions").locator('[data-emoji="love"]');
    await adaLove.click();
    // The button's name is its content: the emoji's name and the visible count ("love 1").
    const count = (button: typeof bobLove) => button.locator('[part="reaction-count"]').textContent();
    await eventually(async () => (await count(bobLove)) === "1", 2_000, "bob sees 1 love");
    await eventually(async () => (await adaLove.getAttribute("aria-pressed")) === "true", 2_000, "ada's button pressed");
    expect(await bobLove.getAttribute("aria-pressed")).toBe("false");

    await adaLove.press("Enter");
    await eventually(async () => (await count(bobLove)) === "", 2_000, "bob sees the removal");
    // Ada's own button settles on her ack, which may land just after Bob's broadcast.
    await eventually(async () => (await adaLove.getAttribute("aria-pressed")) === "false", 2_000, "ada's button released");
  });
});
