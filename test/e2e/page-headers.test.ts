import { describe, expect, inject, it } from "vitest";
import { uniqueTarget } from "./secret";

/** The live page's security headers come from dist/web/_headers (client/web/_headers). */
const baseUrl = inject("baseUrl");
const PAGE_FILES = ["/", "/app.js", "/styles.css"];

function directives(policy: string | null): Map<string, string[]> {
  return new Map(
    (policy ?? "")
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== "")
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

describe("headers of the live page and its files", () => {
  for (const path of PAGE_FILES) {
    it(`${path} carries a CSP that connects only to its own origin, nosniff and a referrer policy`, async () => {
      const res = await fetch(`${baseUrl}${path}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const csp = directives(res.headers.get("content-security-policy"));
      // 'self' covers ws: and wss: to the same host and port (CSP3); bare ws: / wss: would allow any host.
      expect(csp.get("connect-src")).toEqual(["'self'"]);
      expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
      expect(csp.get("script-src")).toEqual(["'self'"]);
      expect(csp.get("default-src")).toEqual(["'self'"]);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      // Files an embedding site may load later must stay loadable cross-origin.
      expect(res.headers.get("cross-origin-resource-policy")).toBeNull();
    });
  }

  it("the page holds no CSP meta tag that could disagree with the header", async () => {
    const html = await (await fetch(`${baseUrl}/`)).text();
    expect(html).toContain('<script type="module" src="/app.js">');
    expect(html.toLowerCase()).not.toContain("content-security-policy");
  });

  it("API answers are not restricted to the same origin", async () => {
    for (const path of [`/v1/targets/${encodeURIComponent(uniqueTarget())}/count`, "/health", "/openapi.json"]) {
      const res = await fetch(`${baseUrl}${path}`);
      await res.arrayBuffer();
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cross-origin-resource-policy"), path).toBeNull();
      // The page's policy belongs to the page: API answers are not documents.
      expect(res.headers.get("content-security-policy"), path).toBeNull();
    }
  });

  it("does not serve the _headers file itself", async () => {
    const res = await fetch(`${baseUrl}/_headers`);
    const body = await res.text();
    expect(body).not.toContain("Content-Security-Policy");
  });
});
