import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_BATCH_QUERY_CHARS } from "../../protocol/likes";
import { call, getJson, like, postJson, uniqueTarget, uniqueUser } from "./helpers";

// `GET /v1/counts?targets=a,b,c`: the batch a page on another origin (the embed's
// <engage-count> elements, docs/embed.md) reads without a preflight, and caches may keep.

const Counts = z.object({ counts: z.record(z.string(), z.number()) });
const ErrorShape = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const countsUrl = (targets: readonly string[]) => `/v1/counts?targets=${targets.map(encodeURIComponent).join(",")}`;

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  expect(ErrorShape.parse(await res.json()).error.code).toBe("invalid_request");
}

describe("GET /v1/counts", () => {
  it("answers exact counts by target, unknown targets 0 and duplicates folded, with a short max-age", async () => {
    const [a, b, unknown] = [uniqueTarget(), uniqueTarget("game"), uniqueTarget("comment")];
    await like(a, uniqueUser());
    await like(a, uniqueUser());
    await like(b, uniqueUser());
    const res = await call(countsUrl([a, b, unknown, a]));
    expect(res.status).toBe(200);
    expect(Counts.parse(await res.json())).toEqual({ counts: { [a]: 2, [b]: 1, [unknown]: 0 } });
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(2);
  });

  it("takes the commas percent-encoded too, as URLSearchParams writes them", async () => {
    const [a, b] = [uniqueTarget(), uniqueTarget()];
    await like(b, uniqueUser());
    const query = new URLSearchParams({ targets: `${a},${b}` });
    expect(Counts.parse(await (await call(`/v1/counts?${query}`)).json())).toEqual({ counts: { [a]: 0, [b]: 1 } });
  });

  it("shares each target's edge-cache entry with the count GET and the POST batch", async () => {
    const target = uniqueTarget();
    expect(Counts.parse(await (await call(countsUrl([target]))).json())).toEqual({ counts: { [target]: 0 } });
    // The GET batch filled the very key the single-target GET reads.
    const cached = await getJson(`/v1/targets/${target}/count`);
    expect([cached.headers.get("x-cache"), cached.body.count]).toEqual(["HIT", 0]);
    // And the POST batch answers the same from it.
    expect(Counts.parse(await (await postJson("/v1/counts/batch", { targets: [target] })).json())).toEqual({ counts: { [target]: 0 } });
    // A like purges the key: the GET batch shows it within the TTL.
    await like(target, uniqueUser());
    const deadline = Date.now() + 2_000;
    let count = 0;
    while (count !== 1 && Date.now() < deadline) count = Counts.parse(await (await call(countsUrl([target]))).json()).counts[target]!;
    expect(count).toBe(1);
  });

  it("accepts exactly 100 targets of the longest kind and id", async () => {
    const longest = Array.from({ length: 100 }, (_, i) => `comment:${String(i).padStart(64, "x")}`);
    expect(longest.join(",").length).toBe(MAX_BATCH_QUERY_CHARS);
    const res = await call(countsUrl(longest));
    expect(res.status).toBe(200);
    expect(Object.keys(Counts.parse(await res.json()).counts)).toHaveLength(100);
  });

  it("refuses 101 targets, an empty or missing list, bad ids, empty items and unknown parameters with a 400", async () => {
    await expectRefused(await call(countsUrl(Array.from({ length: 101 }, () => uniqueTarget()))));
    await expectRefused(await call("/v1/counts?targets="));
    await expectRefused(await call("/v1/counts"));
    await expectRefused(await call(countsUrl(["post:ok", "nope"])));
    await expectRefused(await call("/v1/counts?targets=post:a,,post:b"));
    await expectRefused(await call("/v1/counts?targets=post:a,"));
    await expectRefused(await call("/v1/counts?targets=post:a&limit=3"));
    // Longer than any 100 ids can be: refused before it is split.
    await expectRefused(await call(`/v1/counts?targets=${"post:x,".repeat(2_000)}post:x`));
  });

  it("is described in /openapi.json as an unauthenticated GET with its query, 200, 400 and 503", async () => {
    const Doc = z.object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) });
    const document = Doc.parse(await (await call("/openapi.json")).json());
    const operation = z
      .object({
        security: z.array(z.unknown()),
        parameters: z.array(z.object({ name: z.string(), in: z.string(), required: z.boolean().optional(), schema: z.object({ type: z.string(), maxLength: z.number() }) })),
        responses: z.record(z.string(), z.unknown()),
      })
      .parse(document.paths["/v1/counts"]?.get);
    expect(operation.security).toEqual([]);
    expect(operation.parameters).toEqual([expect.objectContaining({ name: "targets", in: "query", required: true, schema: expect.objectContaining({ type: "string", maxLength: MAX_BATCH_QUERY_CHARS }) })]);
    // 503 is every route's (a misconfigured CORS_ORIGINS, workers/openapi-document.ts).
    expect(Object.keys(operation.responses).sort()).toEqual(["200", "400", "503"]);
  });
});
