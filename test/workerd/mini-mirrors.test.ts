import { describe, expect, it } from "vitest";
import type { ZodMiniType } from "zod/mini";
import type { ZodType } from "zod";
import { ServerFrame } from "../../protocol/live";
import { BatchCountResponse, LikeStatusResponse } from "../../protocol/likes";
import { LiveTicket } from "../../protocol/live-tickets";
import { ErrorBody } from "../../protocol/errors";
import * as mini from "../../protocol/mini/live";
import { ShellFrame } from "../../protocol/mini/shell-frame";
import { readEvent, SectionHello } from "../../protocol/mini/events";
import * as miniComments from "../../protocol/mini/comments";
import { Comment, CommentsPage, DeletedComment, TopCommentsResponse } from "../../protocol/comments";
import { Ban, BansResponse, LiftBanResponse, LiftRestrictionResponse, MemberChangeResponse, MembersResponse, ModeratorsResponse, Report, ReportsResponse, Restriction, RestrictionsResponse, RoomSettings, TargetInfo } from "../../protocol/moderation";
import { z } from "zod";
import * as miniRest from "../../protocol/mini/rest";
import * as miniModeration from "../../protocol/mini/moderation";
import * as miniRestrictions from "../../protocol/mini/restrictions";
import { HeldComment, HeldPageResponse, HeldResolution } from "../../protocol/held";
import { CountResponse, LikeResult, StatsResponse, UserLikesResponse } from "../../protocol/likes";

// The embed (client/embed) parses with zod/mini mirrors of the server's classic schemas, so it
// never ships classic zod to a page. Each mirror must accept and refuse exactly what its server
// schema does: every fixture below, and every fixture with one value anywhere in it replaced by
// each of a set of wrong or borderline values (or removed), gets the same verdict from both.

const commentId = "0a1b2c3d4e5f6g7hAbC123";
const comment = {
  id: commentId,
  target: "post:abc",
  author: { id: "site|ana", name: "Ana" },
  text: "hola @bo",
  mentions: ["bo"],
  replyTo: null,
  createdAt: "2026-12-06T10:00:00.000Z",
  seq: 4,
  reactions: { love: 2, "🎉": 1 },
  replies: 0,
  highlighted: false,
  deleted: false,
};
const held = { id: commentId, target: "post:abc", author: { id: "site|ana", name: "Ana" }, text: "hola", mentions: [], replyTo: null, createdAt: "2026-12-06T10:00:00.000Z", held: true, heldFor: "suspect_term" };
const settings = { commentsEnabled: true, slowModeSeconds: 0, membersOnly: false, maxCommentLength: 500, filter: "mask", reactions: ["like", "love", "👍🏽"], emoteOnly: false, uniqueChat: true, newcomerWaitMinutes: 5, editWindowMinutes: 15, premoderation: true, newcomerLinkMinutes: 10, hideAfterReports: 3, publishDelaySeconds: 5 };

const frames: unknown[] = [
  { type: "hello", protocol: 2, target: "post:abc", count: 3, viewers: 1, seq: 9, resync: false, replay: 0, user: { id: "site|ana" }, comments: 1, reactions: { love: 1 }, pinned: comment, settings, mine: ["love"] },
  { type: "hello", protocol: 2, target: "post:abc", count: 3, viewers: 1, seq: 9, resync: false, replay: 0, user: { id: "site|ana" }, comments: 1, reactions: {}, pinned: null, settings, yours: { held: [held, { ...held, editOf: commentId, heldFor: "delay", releaseAt: "2026-12-06T10:00:05.000Z" }], comments: [comment] } },
  { type: "hello", protocol: 2, target: "stream:x_y-z", count: 0, viewers: 0, seq: 0, resync: true, replay: 2, user: null, comments: 0, reactions: {}, pinned: null, settings },
  { type: "count", count: 12, seq: 40 },
  { type: "viewers", viewers: 7 },
  { type: "event", seq: 5, at: 1765000000000, replay: false, event: { kind: "like", count: 4 } },
  { type: "event", seq: 6, at: 1765000000001, replay: true, event: { kind: "unlike", count: 3 } },
  { type: "event", seq: 7, at: 1, replay: false, event: { kind: "comment", comment } },
  { type: "event", seq: 8, at: 1, replay: false, event: { kind: "comment_deleted", id: commentId, replyTo: null } },
  { type: "event", seq: 9, at: 1, replay: false, event: { kind: "comment_highlight", id: commentId, highlighted: true } },
  { type: "event", seq: 10, at: 1, replay: false, event: { kind: "pin", comment: null } },
  { type: "event", seq: 11, at: 1, replay: false, event: { kind: "reaction", commentId: null, emoji: "🎉", count: 2 } },
  { type: "event", seq: 12, at: 1, replay: false, event: { kind: "reaction", commentId, emoji: "love", count: 0 } },
  { type: "event", seq: 13, at: 1, replay: false, event: { kind: "settings", settings } },
  { type: "event", seq: 14, at: 1, replay: false, event: { kind: "modlog", entry: { id: 3, at: "2026-12-06T10:00:00.000Z", moderator: "site|bo", action: "timeout", userId: "site|troll", commentId: null, reason: "cool off", detail: "600 s" } } },
  { type: "event", seq: 15, at: 1, replay: true, event: { kind: "modlog", entry: { id: 4, at: "2026-12-06T10:00:01.000Z", moderator: "site|bo", action: "comment_delete", userId: null, commentId, reason: null, detail: null } } },
  { type: "event", seq: 16, at: 1, replay: false, event: { kind: "report", commentId, reports: 3 } },
  { type: "ack", id: "r-1", result: { liked: true, count: 1, changed: true, seq: 3 } },
  { type: "ack", id: "r-2", comment },
  { type: "ack", id: "r-2h", held },
  { type: "ack", id: "r-2e", held: { ...held, editOf: commentId } },
  { type: "event", seq: 14, at: 1, replay: false, event: { kind: "held", comment: held } },
  { type: "event", seq: 15, at: 1, replay: false, event: { kind: "held_resolved", heldId: commentId, outcome: "approved", comment } },
  { type: "event", seq: 16, at: 1, replay: false, event: { kind: "held_resolved", heldId: commentId, outcome: "denied", comment: null } },
  { type: "ack", id: "r-3", reaction: { target: "post:abc", emoji: "wow", reacted: false, count: 0, changed: true, seq: 4 } },
  { type: "ack", id: "r-4" },
  { type: "error", id: "r-5", error: { code: "slow_mode", message: "wait", retryAfterSeconds: 3 } },
  { type: "error", error: { code: "invalid_frame", message: "unreadable", details: { at: "type" } } },
  { type: "mode", mode: "counts-only" },
  { type: "incompatible", protocol: 2, message: "upgrade" },
  { type: "pong" },
  { type: "mark", mark: "Ab_9-z" },
];

/** Wrong types, bounds and patterns: each replaces one value of a fixture in turn. */
const replacements: unknown[] = [
  undefined, null, true, 0, -1, 1.5, 2 ** 53, 121, 501, "", "x", "post:ok", "video:1", "🎉", "a b", "k".repeat(33), "k".repeat(65),
  commentId, `${commentId}x`, [], ["love"], {}, { id: "u" }, "like", "counts-only", 2, 3,
];

/** Every fixture with one value (at any depth) replaced or removed. */
function mutations(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => [
      ...replacements.map((r) => value.map((v, j) => (j === i ? r : v))),
      ...mutations(item).map((m) => value.map((v, j) => (j === i ? m : v))),
    ]);
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    return Object.keys(record).flatMap((key) => [
      ...replacements.map((r) => {
        const copy = { ...record, [key]: r };
        if (r === undefined) delete copy[key];
        return copy;
      }),
      ...mutations(record[key]).map((m) => ({ ...record, [key]: m })),
    ]);
  }
  return [];
}

function verdicts(classic: ZodType, mirror: ZodMiniType, inputs: unknown[]) {
  const differ: string[] = [];
  let accepted = 0;
  for (const input of inputs) {
    const server = classic.safeParse(input);
    const browser = mirror.safeParse(input);
    if (server.success !== browser.success) differ.push(`${server.success ? "server" : "mirror"} accepts ${JSON.stringify(input)}`);
    else if (server.success && JSON.stringify(server.data) !== JSON.stringify(browser.data)) differ.push(`different data for ${JSON.stringify(input)}`);
    if (server.success) accepted++;
  }
  return { differ, accepted, refused: inputs.length - accepted };
}

describe("the zod/mini mirrors of the server's schemas", () => {
  it("accept and refuse the same server frames, fixtures and one-value mutations alike", () => {
    const inputs = [...frames, ...frames.flatMap(mutations), { type: "hello" }, { type: "later-kind" }, "pong", null, 7];
    const { differ, accepted, refused } = verdicts(ServerFrame, mini.ServerFrame, inputs);
    expect(differ).toEqual([]);
    // Both sides of the line are exercised, not one.
    expect(accepted).toBeGreaterThan(frames.length + 100);
    expect(refused).toBeGreaterThan(1_000);
    for (const frame of frames) expect(mini.ServerFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
  });

  it("the embed's shell never refuses a frame the full mirror accepts, and its sections read every event as the full mirror does", () => {
    const inputs = [...frames, ...frames.flatMap(mutations)];
    const lost = inputs.filter((input) => mini.ServerFrame.safeParse(input).success && !ShellFrame.safeParse(input).success);
    expect(lost.map((input) => JSON.stringify(input))).toEqual([]);
    let events = 0;
    for (const input of inputs) {
      if (typeof input !== "object" || input === null || !("event" in input) || typeof input.event !== "object" || input.event === null || !("kind" in input.event) || typeof input.event.kind !== "string") continue;
      const event = input.event as { kind: string };
      const full = mini.LiveEvent.safeParse(event);
      expect(readEvent(event), JSON.stringify(event)).toEqual(full.success ? full.data : null);
      events++;
    }
    expect(events).toBeGreaterThan(100);
    // What the shell itself lets through unread, a section reads: a hello's fields beyond the shell's.
    for (const frame of frames.filter((f) => (f as { type?: string }).type === "hello")) expect(SectionHello.safeParse(frame).success).toBe(true);
  });

  it("accept and refuse the same REST answers the embed reads", () => {
    const cases: Array<[ZodType, ZodMiniType, unknown[]]> = [
      [BatchCountResponse, mini.BatchCountResponse, [{ counts: { "post:a": 1, "post:b": 0 } }, { counts: {} }]],
      [LiveTicket, mini.LiveTicket, [{ ticket: "t.x", expiresAt: 1765000000000 }]],
      [LikeStatusResponse, mini.LikeStatusResponse, [{ liked: true, likedAt: "2026-12-06T10:00:00.000Z" }, { liked: false, likedAt: null }]],
      [ErrorBody, mini.ErrorBody, [{ error: { code: "rate_limited", message: "slow down", details: [1] } }, { error: { code: "x", message: "y" } }]],
    ];
    for (const [classic, mirror, fixtures] of cases) {
      const { differ, accepted, refused } = verdicts(classic, mirror, [...fixtures, ...fixtures.flatMap(mutations)]);
      expect(differ).toEqual([]);
      expect(accepted).toBeGreaterThanOrEqual(fixtures.length);
      expect(refused).toBeGreaterThan(10);
    }
  });

  it("accept and refuse the same REST answers <engage-comments> reads", () => {
    const ban = { userId: "site|cy", until: "2026-12-06T11:00:00.000Z", reason: null, by: "site|ana", createdAt: "2026-12-06T10:00:00.000Z" };
    const cases: Array<[ZodType, ZodMiniType, unknown[]]> = [
      [CommentsPage, miniComments.CommentsPage, [{ items: [comment, { ...comment, replyTo: commentId, replies: 0 }], nextCursor: "eyJiIjoiMSJ9" }, { items: [], nextCursor: null }]],
      [Comment, miniComments.Comment, [comment, { ...comment, author: { id: null, name: "[deleted]" }, highlighted: true }]],
      [TargetInfo, miniComments.TargetInfo, [{ target: "post:abc", owner: "site|ana", title: "A post", settings, moderators: ["site|bo"], pinned: commentId }, { target: "post:abc", owner: null, title: null, settings, moderators: [], pinned: null }]],
      [RoomSettings, miniComments.RoomSettings, [settings]],
      [BansResponse, miniComments.BansResponse, [{ bans: [ban, { ...ban, until: null, reason: "spam" }] }, { bans: [] }]],
      [Ban, miniComments.Ban, [ban]],
      [LiftBanResponse, miniComments.LiftBanResponse, [{ userId: "site|cy", lifted: true }]],
      [DeletedComment, miniComments.DeletedComment, [{ id: commentId, deleted: true }]],
      [z.object({ pinned: Comment.nullable() }), miniComments.PinResponse, [{ pinned: comment }, { pinned: null }]],
      // PATCH .../comments/:id: 200 with the comment, 202 with the held edit.
      [z.union([Comment, HeldComment]), miniComments.EditAnswer, [comment, { ...held, editOf: commentId }]],
    ];
    for (const [classic, mirror, fixtures] of cases) {
      const { differ, accepted, refused } = verdicts(classic, mirror, [...fixtures, ...fixtures.flatMap(mutations)]);
      expect(differ).toEqual([]);
      expect(accepted).toBeGreaterThanOrEqual(fixtures.length);
      expect(refused).toBeGreaterThan(10);
    }
  });

  it("accept and refuse the same REST answers <engage-moderation> reads", () => {
    const report = { id: "0mf3k2x1a0123456789abcdef", commentId, reporter: "site|bo", reason: "spam", createdAt: "2026-12-06T10:00:00.000Z" };
    const held = { id: commentId, target: "post:a", author: { id: "site|bo", name: "Bo" }, text: "see my link", mentions: [], replyTo: null, createdAt: "2026-12-06T10:00:00.000Z", held: true, heldFor: "premoderation" };
    const restriction = { userId: "site|cy", reason: "sock puppet", by: "site|ana", createdAt: "2026-12-06T10:00:00.000Z" };
    const cases: Array<[ZodType, ZodMiniType, unknown[]]> = [
      [Report, miniModeration.Report, [report]],
      [ReportsResponse, miniModeration.ReportsResponse, [{ reports: [report, { ...report, reason: "rude" }], nextCursor: "eyJiIjoiMSJ9" }, { reports: [], nextCursor: null }]],
      [MembersResponse, miniModeration.MembersResponse, [{ members: ["site|ana", "site|bo"] }, { members: [] }]],
      [ModeratorsResponse, miniModeration.ModeratorsResponse, [{ moderators: ["site|ana"] }, { moderators: [] }]],
      [MemberChangeResponse, miniModeration.MemberChangeResponse, [{ userId: "site|bo", member: true, changed: false }]],
      [HeldPageResponse, miniModeration.HeldPageResponse, [{ items: [held, { ...held, heldFor: "suspect_term", replyTo: commentId, editOf: commentId }], nextCursor: "eyJoIjoxfQ" }, { items: [], nextCursor: null }]],
      [HeldResolution, miniModeration.HeldResolution, [{ heldId: commentId, outcome: "approved", comment }, { heldId: commentId, outcome: "denied", comment: null }]],
      [Restriction, miniRestrictions.Restriction, [restriction, { ...restriction, reason: null }]],
      [RestrictionsResponse, miniRestrictions.RestrictionsResponse, [{ restrictions: [restriction, { ...restriction, userId: "site|dz", reason: null, by: "(forgotten)" }], nextCursor: "eyJiIjoiMSJ9" }, { restrictions: [], nextCursor: null }]],
      [LiftRestrictionResponse, miniRestrictions.LiftRestrictionResponse, [{ userId: "site|cy", lifted: true }, { userId: "site|cy", lifted: false }]],
    ];
    for (const [classic, mirror, fixtures] of cases) {
      const { differ, accepted, refused } = verdicts(classic, mirror, [...fixtures, ...fixtures.flatMap(mutations)]);
      expect(differ).toEqual([]);
      expect(accepted).toBeGreaterThanOrEqual(fixtures.length);
      expect(refused).toBeGreaterThan(5);
    }
  });

  it("accept and refuse the same REST answers the SDK reads (client/rest.ts)", () => {
    const asOf = "2026-12-06T10:00:00.000Z";
    const cases: Array<[ZodType, ZodMiniType, unknown[]]> = [
      [LikeResult, miniRest.LikeResult, [{ target: "post:a", liked: true, count: 3, changed: true, seq: 7 }]],
      [CountResponse, miniRest.CountResponse, [{ target: "post:a", count: 0, asOf }]],
      [StatsResponse, miniRest.StatsResponse, [{ target: "game:x", likes: 2, reactions: { like: 1 }, comments: 4, viewers: 1, asOf }]],
      [UserLikesResponse, miniRest.UserLikesResponse, [{ items: [{ target: "post:a", likedAt: asOf }], nextCursor: "c1", total: 1 }, { items: [], nextCursor: null, total: 0 }]],
      [CommentsPage, miniRest.CommentsPage, [{ items: [comment], nextCursor: null }, { items: [], nextCursor: "older" }]],
      [TopCommentsResponse, miniRest.TopCommentsResponse, [{ items: [{ ...comment, score: 2.5 }] }, { items: [] }]],
      [DeletedComment, miniRest.DeletedComment, [{ id: commentId, deleted: true }]],
    ];
    for (const [classic, mirror, fixtures] of cases) {
      const { differ, accepted, refused } = verdicts(classic, mirror, [...fixtures, ...fixtures.flatMap(mutations)]);
      expect(differ).toEqual([]);
      expect(accepted).toBeGreaterThanOrEqual(fixtures.length);
      expect(refused).toBeGreaterThan(5);
    }
  });
});
