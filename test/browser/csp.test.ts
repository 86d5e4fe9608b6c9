import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { openTarget, partText, uniqueTarget } from "./browser";
import { useBrowser } from "./fixtures";

const baseUrl = inject("pageUrl");
const { visitor } = useBrowser(baseUrl);

interface SocketTry {
  opened: boolean;
  threw: string | null;
  violations: string[];
}

/**
 * Opens a WebSocket from inside the page and reports whether the page's CSP let it through
 * (page code, so a string: the Node-side typecheck has no DOM types).
 */
const TRY_SOCKET = `(url) => new Promise((resolve) => {
  const violations = [];
  document.addEventListener("securitypolicyviolation", (e) => violations.push(e.effectiveDirective + " " + e.blockedURI));
  const done = (opened, threw) => setTimeout(() => resolve({ opened, threw, violations }), 300);
  try {
    const socket = new WebSocket(url);
    socket.onopen = () => { socket.close(); done(true, null); };
    socket.onerror = () => done(false, null);
  } catch (error) {
    done(false, String(error));
  }
})`;

const trySocket = async (page: Page, url: string): Promise<SocketTry> => page.evaluate(`(${TRY_SOCKET})(${JSON.stringify(url)})`);

describe("the live page under its Content-Security-Policy header", () => {
  it("is served with connect-src 'self' and still connects its live socket", async () => {
    const ada = await visitor("ada");
    const page = await ada.page.goto(`${baseUrl}/`);
    expect(page?.headers()["content-security-policy"]).toContain("connect-src 'self';");
    const target = uniqueTarget();
    await openTarget(ada, target);
    expect(await partText(ada.page, "viewers", "viewers")).toBe("1 watching");
  });

  it("lets the page open a socket to its own origin and refuses one to another host", async () => {
    const ada = await visitor(null);
    const own = new URL(baseUrl);
    const target = encodeURIComponent(uniqueTarget());
    // CSP3: 'self' matches ws: and wss: on the page's own host and port.
    const same = await trySocket(ada.page, `ws://${own.host}/v1/targets/${target}/live`);
    expect(same).toEqual({ opened: true, threw: null, violations: [] });
    // localhost is another origin than 127.0.0.1, and the same server would accept it.
    const other = await trySocket(ada.page, `ws://localhost:${own.port}/v1/targets/${target}/live`);
    expect(other.opened).toBe(false);
    expect(other.violations.join(" ")).toContain("connect-src");
  });
});
