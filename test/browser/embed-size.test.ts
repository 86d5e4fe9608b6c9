import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script shared with `node scripts/embed-size.mjs`; its shape is checked below.
import { LIKE_AND_COUNT_BUDGET_BYTES, measureEmbed } from "../../scripts/embed-size.mjs";
import { z } from "zod";

// The embed's cost to a page (issue 19): every script a page loads from us before
// <engage-like> and <engage-count> work, minified, each gzipped at level 9. Built fresh from the
// sources, so the number is the same on every machine. README and docs/embed.md state it.

const Size = z.object({
  files: z.array(z.object({ file: z.string(), bytes: z.number(), gzip: z.number() })),
  lazy: z.array(z.object({ file: z.string(), gzip: z.number() })),
  inputs: z.array(z.string()),
  totalGzip: z.number(),
});

describe("the embed's size", () => {
  it(`loads at most ${LIKE_AND_COUNT_BUDGET_BYTES} B (gzip -9) for <engage-like> plus <engage-count>, with locales lazy and no classic zod`, async () => {
    const size = Size.parse(await measureEmbed());
    // The stable v1.js and the build it points at; nothing else before the elements work.
    expect(size.files.map((f) => f.file.replace(/-[A-Z0-9]{8}\.js$/, ".js"))).toEqual(["v1.js", "v1/v1.js"]);
    expect(size.totalGzip).toBe(size.files.reduce((sum, f) => sum + f.gzip, 0));
    expect(size.totalGzip).toBeLessThanOrEqual(z.number().parse(LIKE_AND_COUNT_BUDGET_BYTES));
    // Non-default locales are chunks a page fetches only when it shows that language.
    expect(size.lazy.map((f) => f.file.replace(/-[A-Z0-9]{8}\.js$/, ""))).toEqual(expect.arrayContaining(["v1/de", "v1/es", "v1/ja"]));
    // The page parses with the zod/mini mirrors, never the server's classic schemas (95 KB).
    expect(size.inputs.filter((input) => /zod\/v4\/classic|protocol\/live\.ts$|protocol\/likes\.ts$|partysocket/.test(input))).toEqual([]);
    expect(size.inputs.some((input) => input.includes("zod/v4/mini"))).toBe(true);
  });
});
