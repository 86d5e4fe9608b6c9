import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect } from "vitest";
import type { z } from "zod";
import { ErrorBody } from "../../protocol/errors";
import { TargetId } from "../../protocol/target";
import { roomStub } from "./helpers";
import { archivedVisible } from "./archive-helpers";

/** How a fuzzed request came back: the status and the parsed body, if it was JSON. */
export interface Answer {
  status: number;
  body: unknown;
  text: string;
}

export async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** Never a 5xx; any 4xx carries `{ error: { code, message, details? } }`. */
export function expectWellFormed(answer: Answer, what: string): void {
  if (answer.status >= 500) throw new Error(`${what} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  if (answer.status >= 400) {
    const parsed = ErrorBody.safeParse(answer.body);
    if (!parsed.success) throw new Error(`${what} answered ${answer.status} without the error shape: ${answer.text.slice(0, 500)}`);
  }
}

/** A refusal: 4xx in the error shape. */
export function expectRefused(answer: Answer, what: string): void {
  expectWellFormed(answer, what);
  if (answer.status < 400) throw new Error(`${what} was accepted with ${answer.status}: ${answer.text.slice(0, 500)}`);
}

/**
 * Everything a write could change in a room, read straight from its SQLite: likes, comments,
 * reactions, roles, members, bans, reports, the seq and the meta a write sets. Two equal
 * fingerprints mean nothing was written in between (seq alone would miss moderation tables).
 */
export async function roomFingerprint(target: string): Promise<string> {
  const snapshot = await roomStub(target).snapshot(target);
  const tables = await runInDurableObject(roomStub(target), (_room, state) => {
    const sql = state.storage.sql;
    // A room that was never written has no tables (its first write makes them): as good as empty.
    const written = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'room_meta'").toArray().length > 0;
    const all = (query: string) => (written ? sql.exec(query).toArray() : []);
    return {
      written,
      likes: all("SELECT user_id, liked_at FROM likes ORDER BY user_id"),
      comments: all("SELECT id, seq, author_id, text, reply_to, deleted_at FROM comments ORDER BY id"),
      // Comments past the window: the pages' index and the overlay of later changes (R2 holds the pages).
      archive: written && sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'comment_archive_pages'").toArray().length > 0
        ? {
            pages: all("SELECT page, version, first_id, last_id FROM comment_archive_pages ORDER BY page"),
            overlay: all("SELECT id, deleted_at, highlighted, replies_delta FROM comment_archive_overlay ORDER BY id"),
          }
        : null,
      reactions: all("SELECT subject, emoji, user_id FROM reactions ORDER BY subject, emoji, user_id"),
      moderators: all("SELECT user_id FROM moderators ORDER BY user_id"),
      members: all("SELECT user_id FROM members ORDER BY user_id"),
      bans: all("SELECT user_id, until, reason FROM bans ORDER BY user_id"),
      reports: all("SELECT comment_id, reporter_id, reason FROM reports ORDER BY comment_id, reporter_id"),
      meta: all("SELECT key, value FROM room_meta WHERE key IN ('owner', 'title', 'settings', 'pinned', 'seq', 'likes', 'comments') ORDER BY key"),
    };
  });
  const { viewers: _viewers, ...rest } = snapshot;
  return JSON.stringify({ ...rest, tables });
}

/** Reaction rows by emoji for one subject ('' is the room's own target, else a comment id). */
async function storedReactions(room: string, subject: string): Promise<Record<string, number>> {
  return runInDurableObject(roomStub(room), (_room, state) => {
    const rows = state.storage.sql
      .exec<{ emoji: string; n: number }>("SELECT emoji, COUNT(*) AS n FROM reactions WHERE subject = ? GROUP BY emoji", subject)
      .toArray();
    return Object.fromEntries(rows.map((row) => [row.emoji, row.n]));
  });
}

/**
 * Room invariants: the count is the number of distinct likers, visible comments match rows,
 * and reaction counts match reaction rows (a comment's reactions live next to it in its
 * parent's room, which is where a `comment:<id>` room reads them from).
 */
export async function expectRoomInvariants(target: string): Promise<{ count: number; seq: number }> {
  const snapshot = await roomStub(target).snapshot(target);
  const stored = await runInDurableObject(roomStub(target), (_room, state) => {
    const sql = state.storage.sql;
    const likers = sql.exec<{ n: number }>("SELECT COUNT(DISTINCT user_id) AS n FROM likes").one().n;
    const visible = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comments WHERE deleted_at IS NULL").one().n;
    const parent = sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'parent'").toArray()[0]?.value ?? null;
    const archived = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM comment_archive_pages").one().n > 0;
    return { likers, visible, parent, archived };
  });
  expect(snapshot.likes).toBe(stored.likers);
  // The count covers the whole history: the window plus what moved to the R2 archive.
  expect(snapshot.comments).toBe(stored.visible + (stored.archived ? await archivedVisible(target) : 0));
  const reactions =
    target.startsWith("comment:") && stored.parent !== null
      ? await storedReactions(stored.parent, target.slice("comment:".length))
      : await storedReactions(target, "");
  expect(snapshot.reactions).toEqual(reactions);
  return { count: snapshot.likes, seq: snapshot.seq };
}

/** Strings that are not target ids: unicode, long, slashes, encodings, near misses. */
export const badTargetId: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constantFrom("post", "game", "stream", "comment", "user", "POST").chain((kind) =>
      fc.oneof(
        fc.string({ maxLength: 70 }).map((id) => `${kind}:${id}`),
        fc.constant(`${kind}:${"a".repeat(65)}`),
        fc.constant(`${kind}:`),
        fc.constantFrom("a/b", "..", "a%2Fb", "a b", "a\u0000b", "%00", "a?b", "a#b", "ä", "🎉").map((id) => `${kind}:${id}`),
      ),
    ),
    fc.string({ minLength: 200, maxLength: 3000 }),
  )
  .filter((id) => !TargetId.safeParse(id).success);

/**
 * Text that is not JSON at all, or JSON cut short, or JSON with trailing junk. "Not JSON" as the
 * server reads it: fetch's `json()` decodes UTF-8 and drops one leading byte-order mark (RFC 8259
 * lets a parser ignore it), so "\ufeff{}" is the empty object there, which a route with only
 * optional fields rightly accepts (a CI run once drew it for the comment-archive backfill).
 */
export const malformedJsonText: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: "grapheme", maxLength: 100 }),
    fc.json().chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))),
    fc.json().map((text) => `${text},`),
    fc.constantFrom("{", "[", "nul", "tru", '{"a":1,}', "{'a':1}", '{"target":"post:a",}', "\u0000", "\ufeff{", "\ufeff\ufeff{}", "NaN", "undefined"),
    fc.nat({ max: 5000 }).map((depth) => "[".repeat(depth)),
  )
  .filter((text) => {
    try {
      JSON.parse(text.replace(/^\ufeff/, ""));
      return false;
    } catch {
      return true;
    }
  });

/** JSON bodies the schema refuses: any JSON value, or a valid body with one field broken, dropped or added. */
export function invalidBodyFor(schema: z.ZodType, valid: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  const broken = keys.length === 0
    ? fc.constant(valid)
    : fc.record({ key: fc.constantFrom(...keys), value: fc.jsonValue({ maxDepth: 3 }) }).map(({ key, value }) => ({ ...valid, [key]: value }));
  const dropped = keys.length === 0 ? fc.constant(valid) : fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key)));
  const extra = fc.record({ key: fc.string({ minLength: 1, maxLength: 20 }), value: fc.jsonValue({ maxDepth: 2 }) }).map(({ key, value }) => ({ ...valid, [key]: value }));
  const objects = fc
    .oneof(fc.jsonValue({ maxDepth: 4 }), broken, broken, dropped, extra)
    .filter((value) => !schema.safeParse(value).success)
    .map((value) => JSON.stringify(value));
  return fc.oneof({ weight: 3, arbitrary: objects }, { weight: 1, arbitrary: malformedJsonText });
}

/** Content types a client might send; only the JSON ones reach the schema. */
export const contentType: fc.Arbitrary<string | null> = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "Application/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/problem+json",
  "",
  null,
);

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));

/** Header values that fetch accepts (visible ASCII and spaces), of any length up to a few hundred. */
export const headerValue: fc.Arbitrary<string> = fc
  .oneof(fc.string({ unit: printable, maxLength: 40 }), fc.string({ unit: printable, maxLength: 300, size: "max" }))
  .map((value) => value.trim());

/** Authorization headers that are not a valid bearer token of ours. */
export const badAuthorization: fc.Arbitrary<string | null> = fc.oneof(
  fc.constant(null),
  fc.constantFrom("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer a.b.c", "Bearer a.b", "Bearer ...", "Token abc", "Bearer eyJhbGciOiJub25lIn0.e30."),
  headerValue,
  headerValue.map((value) => `Bearer ${value}`),
  fc.tuple(fc.base64String({ maxLength: 60 }), fc.base64String({ maxLength: 120 }), fc.base64String({ maxLength: 60 })).map(
    ([a, b, c]) => `Bearer ${a}.${b}.${c}`,
  ),
);

/** Idempotency-Keys of every length around the 200-character limit, and odd ones. */
const idempotencyKey = fc.oneof(
  headerValue,
  fc.integer({ min: 1, max: 202 }).chain((length) => fc.string({ unit: printable, minLength: length, maxLength: length })),
  fc.constantFrom("", " ", "k".repeat(200), "k".repeat(201)),
);

/** Idempotency-Key and If-None-Match, sometimes absent, sometimes odd. */
export const writeHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "idempotency-key": idempotencyKey,
    "if-none-match": fc.oneof(headerValue, fc.constant("*"), fc.constant('W/"abc"')),
    "x-request-id": headerValue,
    "x-user-id": headerValue,
  },
  { requiredKeys: [] },
);
