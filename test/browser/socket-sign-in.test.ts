import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { connected, connectionState, eventually, likeButton, openTarget, partText, uniqueTarget } from "./browser";
import { useBrowser } from "./fixtures";

const baseUrl = inject("pageUrl");
const { visitor } = useBrowser(baseUrl);

const StoredSession = z.object({ token: z.string(), userId: z.string(), name: z.string(), expiresAt: z.string() });
/** session.ts keeps the signed-in user here (per tab). */
const SESSION_KEY = "live-page-session";

async function storedSession(page: Page) {
  return StoredSession.parse(JSON.parse((await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)) ?? "null"));
}

/** Every socket the page opens from now on, by URL, and every ticket mint with its answer's status. */
function watchSignIn(page: Page) {
  const sockets: string[] = [];
  const mints: { authorized: boolean; status: number }[] = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  page.on("response", (response) => {
    const request = response.request();
    if (request.method() === "POST" && new URL(request.url()).pathname === "/v1/live/tickets") {
      mints.push({ authorized: (request.headers().authorization ?? "").startsWith("Bearer "), status: response.status() });
    }
  });
  return { sockets, mints };
}

describe("the live page signs its socket in with tickets", () => {
  it("never puts a token in a socket URL, and likes over the socket across a reconnect", async () => {
    const target = uniqueTarget();
    const ada = await visitor("ada");
    const bob = await visitor(null);
    const seen = watchSignIn(ada.page);
    await openTarget(ada, target);
    await openTarget(bob, target);
    const { token } = await storedSession(ada.page);

    const like = likeButton(ada.page);
    await like.click();
    await eventually(async () => (await partText(bob.page, "like", "count")) === "1", 3_000, "bob sees ada's like");
    await eventually(async () => (await like.getAttribute("aria-busy")) === "false", 5_000, "ada's like settled");

    // Offline and back: the page reconnects with a ticket minted for that attempt.
    await ada.context.setOffline(true);
    await eventually(async () => (await connectionState(ada.page)) === "offline", 3_000, "offline");
    await ada.context.setOffline(false);
    await connected(ada.page, 15_000);
    await like.click();
    await eventually(async () => (await partText(bob.page, "like", "count")) === "0", 3_000, "bob sees ada's unlike");

    const live = seen.sockets.filter((url) => url.includes(encodeURIComponent(target)));
    expect(live.length).toBeGreaterThanOrEqual(2);
    const tickets = live.map((url) => new URL(url).searchParams.get("ticket"));
    expect(tickets.every((t) => t !== null && t.length > 0)).toBe(true);
    expect(new Set(tickets).size).toBe(tickets.length);
    for (const url of seen.sockets) {
      expect(url).not.toContain(token);
      expect(url).not.toMatch(/[?&]token=/);
    }
    expect(seen.mints.length).toBe(live.length);
    expect(seen.mints.every((m) => m.authorized && m.status === 201)).toBe(true);
  });

  it("shows the sign-in as refused, without retrying, when the ticket route refuses the stored token", async () => {
    const target = uniqueTarget();
    const ada = await visitor("ada");
    const session = await storedSession(ada.page);
    // A token the server cannot verify (its signature broken), kept as if it were still good.
    const broken = { ...session, token: `${session.token.slice(0, -4)}AAAA` };
    await ada.page.evaluate(([key, value]) => sessionStorage.setItem(key, value), [SESSION_KEY, JSON.stringify(broken)] as const);
    await ada.page.reload();
    const seen = watchSignIn(ada.page);
    await ada.page.evaluate(`location.hash = ${JSON.stringify(`#/t/${target}`)}`);
    await eventually(async () => (await connectionState(ada.page)) === "refused", 5_000, "the page shows the refusal");
    await new Promise((r) => setTimeout(r, 2_000));
    expect(seen.mints).toEqual([{ authorized: true, status: 401 }]);
    expect(seen.sockets.filter((url) => url.includes(encodeURIComponent(target)))).toEqual([]);
  });
});
