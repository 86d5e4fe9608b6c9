import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

// The live page's own script (dist/web/app.js, built by the browser suite's global setup from
// the sources): 111,108 B gzip -9 before issue 19, 42,711 B after (docs/live-page.md). The bound
// catches all of zod coming back (its locales alone are tens of KB) or the classic SDK.
const PAGE_SCRIPT_BUDGET_BYTES = 60_000;

describe("the live page's script", () => {
  it(`is at most ${PAGE_SCRIPT_BUDGET_BYTES} B gzip -9, without the classic SDK or zod's locales`, async () => {
    const script = await readFile(resolve(import.meta.dirname, "../../dist/web/app.js"));
    const text = script.toString("utf8").replace(/\n\/\/# sourceMappingURL=.*\n?$/, "");
    expect(gzipSync(text, { level: 9 }).length).toBeLessThanOrEqual(PAGE_SCRIPT_BUDGET_BYTES);
    const map = JSON.parse(await readFile(resolve(import.meta.dirname, "../../dist/web/app.js.map"), "utf8")) as { sources: string[] };
    expect(map.sources.filter((source) => /zod\/v4\/locales\/(?!en\.)|client\/live\.ts$|partysocket/.test(source))).toEqual([]);
  });
});
