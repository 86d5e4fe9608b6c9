import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { comment } from "./comment-helpers";
import { registerAs } from "./moderation-helpers";
import {
  answerOf,
  badAuthorization,
  badTargetId,
  contentType,
  expectRefused,
  expectWellFormed,
  headerValue,
  invalidBodyFor,
  roomFingerprint,
  writeHeaders,
} from "./fuzz-helpers";
import { BODY_ROUTES, BODYLESS_WRITES, READ_ROUTES, type RouteIds } from "./fuzz-routes";
import { printReliability } from "./reliability-record";

/**
 * Property-based fuzzing of the REST surface through SELF.fetch: whatever arrives, the answer
 * is never a 5xx, a refusal has the error shape, and a refused request leaves the room exactly
 * as it was. Run counts keep the file well under a minute on a shared 2-core machine;
 * valid writes and the room's invariants are fuzzed in fuzz-invariants.test.ts.
 */

const RUNS_PER_ROUTE = 40;

interface Seeded extends RouteIds {
  /** Owner of the target, also admin, so only the fuzzed part of a request can be wrong. */
  token: string;
}

/** A registered target with likes, a comment, a reaction, a moderator, a member and a ban. */
async function seededTarget(): Promise<Seeded> {
  const target = uniqueTarget("stream");
  const owner = uniqueUser("owner");
  await registerAs(target, owner);
  const token = await tokenFor(owner, { roles: ["admin"] });
  const author = uniqueUser("author");
  const seededComment = await comment(target, author, "seeded comment");
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const writes: [string, string, unknown][] = [
    ["POST", "/v1/likes", { target, action: "like" }],
    ["POST", "/v1/reactions", { target, emoji: "wow", action: "add" }],
    ["POST", `/v1/targets/${target}/moderators`, { userId: "seeded-mod" }],
    ["POST", `/v1/targets/${target}/members`, { userId: author }],
    ["POST", `/v1/targets/${target}/bans`, { userId: "seeded-banned", reason: "seed" }],
  ];
  for (const [method, path, body] of writes) {
    const res = await call(path, { method, headers, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`seeding ${path} answered ${res.status} ${await res.text()}`);
  }
  return { target, comment: seededComment.id, user: author, token };
}

function send(method: string, path: string, headers: Record<string, string | null>, body?: string): Promise<Response> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (value !== null) clean[key] = value;
  return call(path, { method, headers: clean, ...(body === undefined ? {} : { body }) });
}

describe("fuzzed HTTP requests", () => {
  let seeded: Seeded;
  beforeAll(async () => {
    seeded = await seededTarget();
  });

  it("refuses every malformed body on every body route with a 4xx error and leaves the room as it was", async () => {
    const before = await roomFingerprint(seeded.target);
    let tried = 0;
    let refused = 0;
    for (const route of BODY_ROUTES) {
      await fc.assert(
        fc.asyncProperty(invalidBodyFor(route.schema, route.valid(seeded)), contentType, writeHeaders, async (body, type, headers) => {
          // An empty body under an empty Content-Type is no body at all, which a route whose fields
          // are all optional (the backfills) rightly takes as its defaults.
          fc.pre(!(body === "" && type === "" && route.schema.safeParse({}).success));
          tried++;
          const answer = await answerOf(
            await send(route.method, route.path(seeded), { ...headers, authorization: `Bearer ${seeded.token}`, "content-type": type }, body),
          );
          expectRefused(answer, `${route.name} with ${JSON.stringify(body).slice(0, 200)} as ${type}`);
          refused++;
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    expect(await roomFingerprint(seeded.target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "fuzz HTTP bodies", tried, refused });
  });

  it("refuses bodies over 16 KB with 413 on every body route", async () => {
    const before = await roomFingerprint(seeded.target);
    let tried = 0;
    let refused = 0;
    for (const route of BODY_ROUTES) {
      if (route.name === "replace members") continue; // takes a full 136 KB members list by design
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 16 * 1024 + 1, max: 64 * 1024 }), async (size) => {
          tried++;
          const padded = JSON.stringify({ ...route.valid(seeded), pad: "x".repeat(size) });
          const answer = await answerOf(
            await send(route.method, route.path(seeded), { authorization: `Bearer ${seeded.token}`, "content-type": "application/json" }, padded),
          );
          expectRefused(answer, `${route.name} with ${padded.length} bytes`);
          expect(answer.status).toBe(413);
          refused++;
        }),
        { numRuns: 3 },
      );
    }
    expect(await roomFingerprint(seeded.target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "fuzz HTTP oversized bodies", tried, refused });
  });

  it("refuses writes whose Authorization is not a valid bearer token, with 401, and leaves the room as it was", async () => {
    const before = await roomFingerprint(seeded.target);
    let tried = 0;
    let refused = 0;
    const writes = [
      ...BODY_ROUTES.filter((route) => route.auth).map((route) => ({ ...route, body: JSON.stringify(route.valid(seeded)) })),
      ...BODYLESS_WRITES.map((route) => ({ ...route, body: undefined })),
    ];
    for (const route of writes) {
      await fc.assert(
        fc.asyncProperty(badAuthorization, async (authorization) => {
          tried++;
          const answer = await answerOf(
            await send(route.method, route.path(seeded), { authorization, "content-type": "application/json" }, route.body),
          );
          expectRefused(answer, `${route.name} with Authorization ${JSON.stringify(authorization)}`);
          expect(answer.status).toBe(401);
          refused++;
        }),
        { numRuns: 40 },
      );
    }
    expect(await roomFingerprint(seeded.target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "fuzz HTTP Authorization", tried, refused });
  });

  it("refuses target ids that are not kind:id on every route that names one, and the seeded room stays as it was", async () => {
    const before = await roomFingerprint(seeded.target);
    let tried = 0;
    let refused = 0;
    const auth = { authorization: `Bearer ${seeded.token}`, "content-type": "application/json" };
    const routes = [
      ...BODY_ROUTES.filter((route) => route.targeted).map((route) => ({ name: route.name, method: route.method, path: route.path, body: (ids: RouteIds) => JSON.stringify(route.valid(ids)) })),
      ...BODYLESS_WRITES.filter((route) => route.targeted).map((route) => ({ name: route.name, method: route.method, path: route.path, body: () => undefined })),
      ...READ_ROUTES.filter((route) => route.targeted).map((route) => ({ name: route.name, method: "GET", path: route.path, body: () => undefined })),
    ];
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(badTargetId, fc.boolean(), async (target, raw) => {
          const ids = { ...seeded, target };
          const path = raw ? route.path(ids).replace(encodeURIComponent(target), target) : route.path(ids);
          let res: Response;
          try {
            res = await send(route.method, path, auth, route.body(ids));
          } catch {
            return; // a URL fetch itself refuses to build is not a request the Worker saw
          }
          const answer = await answerOf(res);
          // Sent raw, a target with `/`, `?` or `#` may address another route (or become a query
          // string), so it is not counted as a bad input; it must still answer well.
          if (raw) {
            expectWellFormed(answer, `${route.name} at ${path}`);
            return;
          }
          tried++;
          expectRefused(answer, `${route.name} at ${path}`);
          if (answer.status >= 400) refused++;
        }),
        { numRuns: 20 },
      );
    }
    expect(await roomFingerprint(seeded.target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "fuzz HTTP target ids", tried, refused });
    expect(tried).toBeGreaterThan(0);
    expect(refused).toBe(tried);
  });

  it("answers read routes under any query string with their documented shape or a 4xx error", async () => {
    const before = await roomFingerprint(seeded.target);
    let tried = 0;
    let answered = 0;
    const queryValue = fc.oneof(
      headerValue,
      fc.integer().map(String),
      fc.constantFrom("-1", "0", "1e3", "NaN", "Infinity", "1.5", "0x10", "", "100", "101", "1h", "24h", "7d", "likes", "comments", "%ZZ", "9".repeat(400)),
      fc.string({ unit: "grapheme", maxLength: 30 }),
    );
    for (const route of READ_ROUTES) {
      const key = fc.oneof(fc.constantFrom(...route.keys, "limit", "cursor", "x"), fc.string({ maxLength: 10 }));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(key, queryValue), { maxLength: 4 }), fc.option(headerValue), async (pairs, ifNoneMatch) => {
          tried++;
          const query = new URLSearchParams(pairs).toString();
          const headers = { authorization: `Bearer ${seeded.token}`, "if-none-match": ifNoneMatch };
          const answer = await answerOf(await send("GET", `${route.path(seeded)}${query ? `?${query}` : ""}`, headers));
          expectWellFormed(answer, `${route.name}?${query}`);
          if (answer.status === 200 && route.answer !== null) {
            const parsed = route.answer.safeParse(answer.body);
            if (!parsed.success) throw new Error(`${route.name}?${query} answered 200 outside its schema: ${answer.text.slice(0, 300)}`);
          }
          answered++;
        }),
        { numRuns: 30 },
      );
    }
    expect(await roomFingerprint(seeded.target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "fuzz HTTP read queries", tried, refused: answered });
  });
});
