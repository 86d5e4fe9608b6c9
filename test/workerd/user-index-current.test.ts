import { describe, expect, it } from "vitest";
import { getJson, like, uniqueTarget, uniqueUser } from "./helpers";
import { emptyLegacyUserLikes } from "./user-index-helpers";

type Page = { items: { target: string }[]; total: number };

/** Polls the user's liked list until `done` holds; returns how long it took (ms) and the page. */
async function timeUntil(userId: string, done: (page: Page) => boolean, deadlineMs: number): Promise<{ ms: number; page: Page }> {
  const started = Date.now();
  let page = (await getJson(`/v1/users/${userId}/likes`)).body as Page;
  while (!done(page) && Date.now() - started < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    page = (await getJson(`/v1/users/${userId}/likes`)).body as Page;
  }
  return { ms: Date.now() - started, page };
}

/**
 * End to end: REST -> room -> outbox -> queue -> events consumer -> UserState.ingest -> the
 * list. Needs the consumer to call `ingest` (issue 17's pipeline part, or the stand-in in
 * workers/user-ingest.ts).
 */
describe("a user's liked list, end to end", () => {
  it("shows a like and then its unlike within 2 s each, with no D1 copy", { timeout: 30_000 }, async () => {
    const userId = uniqueUser("current");
    const target = uniqueTarget();
    expect((await like(target, userId)).status).toBe(200);
    await emptyLegacyUserLikes(userId);
    const liked = await timeUntil(userId, (page) => page.total === 1, 5_000);
    expect(liked.page).toMatchObject({ total: 1, items: [{ target }] });
    expect(liked.ms).toBeLessThanOrEqual(2_000);

    expect((await like(target, userId, "unlike")).status).toBe(200);
    const unliked = await timeUntil(userId, (page) => page.total === 0, 5_000);
    expect(unliked.page).toMatchObject({ total: 0, items: [] });
    expect(unliked.ms).toBeLessThanOrEqual(2_000);
  });
});
