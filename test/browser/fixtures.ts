import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { launchBrowser, openVisitor, uniqueName, type Visitor } from "./browser";

/**
 * One browser per test file and fresh contexts per test. After each test, no page may have
 * opened a dialog (an XSS payload that ran would) or thrown an uncaught error.
 */
export function useBrowser(baseUrl: string): { visitor(name: string | null): Promise<Visitor> } {
  let browser: Browser | undefined;
  const visitors: Visitor[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const v of visitors.splice(0)) {
      expect(v.dialogs, `${v.name}'s dialogs`).toEqual([]);
      expect(v.errors, `${v.name}'s page errors`).toEqual([]);
      await v.context.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  return {
    async visitor(name) {
      if (browser === undefined) throw new Error("the browser is not running");
      const v = await openVisitor(browser, baseUrl, name === null ? null : uniqueName(name));
      visitors.push(v);
      return v;
    },
  };
}
