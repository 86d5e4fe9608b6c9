import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script shared with `node scripts/embed-size.mjs`; its shape is checked below.
import { COMMENTS_BUDGET_BYTES, LIKE_AND_COUNT_BUDGET_BYTES, measureEmbed, MODERATION_BUDGET_BYTES, REACTIONS_BUDGET_BYTES } from "../../scripts/embed-size.mjs";
import { z } from "zod";

// The embed's cost to a page (issue 19): every script a page loads from us before
// <engage-like> and <engage-count> work, minified, each gzipped at level 9. Built fresh from the
// sources, so the number is the same on every machine. README and docs/embed.md state it.

const Files = z.array(z.object({ file: z.string(), bytes: z.number(), gzip: z.number() }));
const Lazy = z.array(z.object({ file: z.string(), gzip: z.number() }));
const Size = z.object({
  files: Files,
  lazy: Lazy,
  inputs: z.array(z.string()),
  totalGzip: z.number(),
  comments: z.object({ files: Files, lazy: Lazy, inputs: z.array(z.string()), totalGzip: z.number() }),
  reactions: z.object({ files: Files, lazy: Lazy, inputs: z.array(z.string()), totalGzip: z.number() }),
  moderation: z.object({ files: Files, lazy: Lazy, inputs: z.array(z.string()), totalGzip: z.number() }),
});
const unhashed = (file: string) => file.replace(/-[A-Z0-9]{8}\.js$/, "");

describe("the embed's size", () => {
  it(`loads at most ${LIKE_AND_COUNT_BUDGET_BYTES} B (gzip -9) for <engage-like> plus <engage-count>, with locales lazy and no classic zod`, async () => {
    const size = Size.parse(await measureEmbed());
    // The stable v1.js and the build it points at; nothing else before the elements work.
    expect(size.files.map((f) => f.file.replace(/-[A-Z0-9]{8}\.js$/, ".js"))).toEqual(["v1.js", "v1/v1.js"]);
    expect(size.totalGzip).toBe(size.files.reduce((sum, f) => sum + f.gzip, 0));
    expect(size.totalGzip).toBeLessThanOrEqual(z.number().parse(LIKE_AND_COUNT_BUDGET_BYTES));
    expect(LIKE_AND_COUNT_BUDGET_BYTES).toBeLessThanOrEqual(15_000);
    // The reaction bar and the comment section are other builds: v1 holds only their shells.
    expect(size.inputs.filter((input) => /client\/embed\/(reactions|comments)\//.test(input))).toEqual([]);
    // Non-default locales are chunks a page fetches only when it shows that language.
    expect(size.lazy.map((f) => f.file.replace(/-[A-Z0-9]{8}\.js$/, ""))).toEqual(expect.arrayContaining(["v1/de", "v1/es", "v1/ja"]));
    // The page parses with the zod/mini mirrors, never the server's classic schemas (95 KB).
    expect(size.inputs.filter((input) => /zod\/v4\/classic|protocol\/live\.ts$|protocol\/likes\.ts$|partysocket/.test(input))).toEqual([]);
    expect(size.inputs.some((input) => input.includes("zod/v4/mini"))).toBe(true);
  });

  it(`loads at most ${COMMENTS_BUDGET_BYTES} B (gzip -9) for <engage-comments> read by a reader, with moderation tools and locales lazy`, async () => {
    const size = Size.parse(await measureEmbed());
    // v1 and its build, then the section's own build (a chunk v1 imports only for a comment section).
    expect(unhashed(size.comments.files[0]!.file)).toBe("v1/comments");
    expect(size.comments.totalGzip).toBe(size.totalGzip + size.comments.files.reduce((sum, f) => sum + f.gzip, 0));
    expect(size.comments.totalGzip).toBeLessThanOrEqual(z.number().parse(COMMENTS_BUDGET_BYTES));
    // A reader's page never fetches the moderation tools; other languages come on demand.
    expect(size.comments.lazy.map((f) => unhashed(f.file))).toEqual(expect.arrayContaining(["v1/moderation", "v1/de", "v1/es", "v1/ja"]));
    expect(size.comments.files.map((f) => unhashed(f.file))).not.toContain("v1/moderation");
    // The like button's page does not load the section: v1 only names it in a dynamic import.
    expect(size.lazy.map((f) => unhashed(f.file))).not.toContain("v1/comments");
    expect(size.comments.inputs.filter((input) => /zod\/v4\/classic|protocol\/(live|comments|moderation)\.ts$|partysocket/.test(input))).toEqual([]);
  });

  it(`loads at most ${REACTIONS_BUDGET_BYTES} B (gzip -9) for <engage-reactions>: v1, then the bar's own file, which brings no second hub`, async () => {
    const size = Size.parse(await measureEmbed());
    expect(size.reactions.files.map((f) => unhashed(f.file))).toEqual(["v1/reactions"]);
    expect(size.reactions.inputs).toEqual(expect.arrayContaining([expect.stringMatching(/client\/embed\/reactions\/bar\.ts$/)]));
    expect(size.reactions.totalGzip).toBe(size.totalGzip + size.reactions.files.reduce((sum, f) => sum + f.gzip, 0));
    expect(size.reactions.totalGzip).toBeLessThanOrEqual(z.number().parse(REACTIONS_BUDGET_BYTES));
    // It draws the element's hub (one socket per target per page) in v1's catalogue: no socket,
    // hub, parser or locale of its own.
    expect(size.reactions.inputs.filter((input) => /client\/embed\/(hub|socket|i18n|locales\/)|zod|protocol\//.test(input))).toEqual([]);
    expect(size.reactions.lazy).toEqual([]);
  });

  it(`loads at most ${MODERATION_BUDGET_BYTES} B (gzip -9) for <engage-moderation>: v1, then the view's own build, which no reader's page fetches`, async () => {
    const size = Size.parse(await measureEmbed());
    // The view, then the chunks its build shares with its lazy tabs (Bans, Settings, Terms, Mod log, People).
    expect(size.moderation.files.map((f) => unhashed(f.file))).toEqual(["v1/moderation-view", ...size.moderation.files.slice(1).map(() => "v1/chunk")]);
    expect(size.moderation.files.filter((f) => size.comments.files.some((c) => c.file === f.file) || size.files.some((c) => c.file === f.file))).toEqual([]);
    expect(size.moderation.lazy.map((f) => unhashed(f.file))).toEqual(expect.arrayContaining(["v1/bans-panel", "v1/settings-panel", "v1/terms-panel", "v1/log-panel", "v1/people-panel"]));
    expect(size.moderation.totalGzip).toBe(size.totalGzip + size.moderation.files.reduce((sum, f) => sum + f.gzip, 0));
    expect(size.moderation.totalGzip).toBeLessThanOrEqual(z.number().parse(MODERATION_BUDGET_BYTES));
    // Its other languages are chunks of its own build, fetched only when shown.
    expect(size.moderation.lazy.map((f) => unhashed(f.file))).toEqual(expect.arrayContaining(["v1/de", "v1/es", "v1/ja"]));
    // Its own build: the comment section and the like button's page carry none of it.
    expect(size.comments.inputs.filter((input) => input.includes("client/embed/moderation/"))).toEqual([]);
    expect(size.inputs.filter((input) => input.includes("client/embed/moderation/"))).toEqual([]);
    expect(size.moderation.inputs.filter((input) => /zod\/v4\/classic|protocol\/(live|comments|moderation)\.ts$|partysocket/.test(input))).toEqual([]);
  });
});
