import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { commentsWithText, openTarget, postComment, screenshot, uniqueName, uniqueTarget } from "./browser";
import { useBrowser } from "./fixtures";

const baseUrl = inject("pageUrl");
const { visitor } = useBrowser(baseUrl);

/** A comment posted over REST by a user who chose their own display name (dev sign-in). */
async function commentAs(target: string, userId: string, name: string, text: string): Promise<void> {
  const signIn = await fetch(`${baseUrl}/v1/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId, name }),
  });
  const { token } = z.object({ token: z.string() }).parse(await signIn.json());
  const res = await fetch(`${baseUrl}/v1/targets/${encodeURIComponent(target)}/comments`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ text }),
  });
  if (res.status !== 201) throw new Error(`comment: HTTP ${res.status} ${await res.text()}`);
}

describe("names on the live page", () => {
  it("shows the user id beside a name that imitates another author's, and no id for names that are ids", async () => {
    const target = uniqueTarget();
    const ada = await visitor("ada");
    await openTarget(ada, target);
    await postComment(ada, "the real ada");
    const mine = commentsWithText(ada.page, "the real ada");
    expect(await mine.locator("[part~=author-id]").isHidden()).toBe(true);

    // Mallory signs in under their own id but calls themselves ada, with a Cyrillic "а" and a zero-width space.
    const mallory = uniqueName("mallory");
    await commentAs(target, mallory, `\u0430\u200b${ada.name.slice(1)}`, "not ada at all");
    const fake = commentsWithText(ada.page, "not ada at all");
    await fake.waitFor();
    expect(await fake.locator("header > [part~=author]").textContent()).toBe(`\u0430${ada.name.slice(1)}`);
    expect(await fake.locator("[part~=author-id]").textContent()).toBe(` (${mallory})`);
    // The real ada's comment now says who it is too, so the two cannot be mistaken.
    await mine.locator("[part~=author-id]").waitFor({ state: "visible" });
    expect(await mine.locator("[part~=author-id]").textContent()).toBe(` (${ada.name})`);
    await screenshot(ada.page, "imitated-name");
  });
});
