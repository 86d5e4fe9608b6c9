import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { TargetSeriesResponse, TopResponse } from "../../protocol/analytics";
import type { EngagementEvent } from "../../protocol/events";
import { recordEngagement, unreportedBuckets } from "../../durable-objects/analytics/series";
import { SeriesReporter, REPORT_INTERVAL_MS } from "../../durable-objects/analytics/series-reporter";
import { RoomMeta } from "../../durable-objects/room-meta";
import { leaderboardFor } from "../../platform/leaderboards";
import { call, eventually, like, postJson, roomStub, runRoomAlarm, shardTarget, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { likeEvent } from "./pipeline-helpers";
import { registerAs } from "./moderation-helpers";
import { comment } from "./comment-helpers";

const MINUTE_MS = 60_000;

/**
 * A room's series holds the events its outbox took, at their own times. To place events in
 * past minutes and hours, a test stores the room (registering it, which counts in no metric)
 * and hands the events to `recordEngagement`, the function the outbox runs in the write
 * transaction; real likes take the whole path in the tests further down.
 */
async function seedSeries(target: string, events: readonly EngagementEvent[]) {
  await registerAs(target, uniqueUser("owner"));
  await runInDurableObject(roomStub(target), (_room, state) => {
    recordEngagement(state.storage.sql, events);
  });
}

function events(target: string, type: "like" | "unlike", count: number, at: number): EngagementEvent[] {
  return Array.from({ length: count }, (_, i) => likeEvent(target, `user-${i}`, at, type));
}

async function likeAll(target: string, users: number) {
  const ops = Array.from({ length: users }, (_, i) => ({ userId: `u-${i}`, action: "like" as const }));
  await roomStub(target).applyLikes({ target, ops, unlimited: true });
}

async function top(query: string) {
  const res = await call(`/v1/analytics/top?${query}`);
  expect(res.status).toBe(200);
  return TopResponse.parse(await res.json());
}

/** What the room has not yet told its leaderboard partition. */
function unreported(target: string) {
  return runInDurableObject(roomStub(target), (_room, state) => unreportedBuckets(state.storage.sql, 1_000).buckets);
}

describe("analytics", () => {
  // D1's rollups are not where analytics come from: every test reads with them gone.
  beforeEach(async () => {
    await env.DB.exec("DELETE FROM event_rollups");
  });

  it("serves a per-minute series for the last hour whose points add up to the events", async () => {
    const target = uniqueTarget();
    const thisMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    await seedSeries(target, [
      ...events(target, "like", 4, thisMinute + 10),
      ...events(target, "unlike", 1, thisMinute + 20),
      ...events(target, "like", 2, thisMinute - 5 * MINUTE_MS),
      // Outside the window: two hours ago.
      ...events(target, "like", 7, thisMinute - 120 * MINUTE_MS),
    ]);

    const res = await call(`/v1/analytics/targets/${target}?window=1h`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const series = TargetSeriesResponse.parse(await res.json());
    expect(series.step).toBe("minute");
    expect(series.points).toHaveLength(60);
    expect(series.totals).toEqual({ likes: 6, unlikes: 1, reactions: 0, comments: 0 });
    const byMinute = new Map(series.points.map((point) => [Date.parse(point.at), point]));
    expect(byMinute.get(thisMinute)).toMatchObject({ likes: 4, unlikes: 1 });
    expect(byMinute.get(thisMinute - 5 * MINUTE_MS)).toMatchObject({ likes: 2, unlikes: 0 });
    const summed = series.points.reduce((n, point) => n + point.likes, 0);
    expect(summed).toBe(series.totals.likes);
  });

  it("serves hourly points for 24h and 7d windows", async () => {
    const target = uniqueTarget();
    const now = Date.now();
    await seedSeries(target, [...events(target, "like", 3, now - 3 * 60 * MINUTE_MS), ...events(target, "like", 5, now - 3 * 24 * 60 * MINUTE_MS)]);
    const day = TargetSeriesResponse.parse(await (await call(`/v1/analytics/targets/${target}?window=24h`)).json());
    const week = TargetSeriesResponse.parse(await (await call(`/v1/analytics/targets/${target}?window=7d`)).json());
    expect([day.step, day.points.length, day.totals.likes]).toEqual(["hour", 24, 3]);
    expect([week.step, week.points.length, week.totals.likes]).toEqual(["hour", 168, 8]);
  });

  it("counts real likes, unlikes, comments and reactions in the room's series as they commit", async () => {
    const target = uniqueTarget("stream");
    const [a, b] = [uniqueUser(), uniqueUser()];
    await like(target, a);
    await like(target, b);
    await like(target, b, "unlike");
    await comment(target, a, "hello");
    const react = await postJson("/v1/reactions", { target, emoji: "like", action: "add" }, { token: await tokenFor(a) });
    expect(react.status).toBe(200);
    const series = TargetSeriesResponse.parse(await (await call(`/v1/analytics/targets/${target}?window=1h`)).json());
    expect(series.totals).toEqual({ likes: 2, unlikes: 1, reactions: 1, comments: 1 });
  });

  it("ranks the targets with the most likes in the window", async () => {
    const [first, second, third] = [uniqueTarget(), uniqueTarget(), uniqueTarget()];
    await Promise.all([likeAll(third, 150), likeAll(first, 190), likeAll(second, 170)]);
    // Each room's first report is due at once; later ones at most once a minute.
    for (const target of [first, second, third]) await runRoomAlarm(target);
    const ranked = await top("metric=likes&window=1h&limit=3");
    expect(ranked.items).toEqual([
      { target: first, value: 190 },
      { target: second, value: 170 },
      { target: third, value: 150 },
    ]);
  });

  it("reports a room at most once a minute, and what it did not report yet waits for the next", async () => {
    const target = uniqueTarget();
    await likeAll(target, 120);
    await runRoomAlarm(target);
    expect(await unreported(target)).toEqual([]);
    await roomStub(target).applyLikes({ target, ops: [{ userId: "late", action: "like" }], unlimited: true });
    await runRoomAlarm(target);
    // Within the minute the partition keeps the first report; the new like waits in the room.
    expect((await top("metric=likes&window=24h&limit=100")).items).toContainEqual({ target, value: 120 });
    expect((await unreported(target)).map((bucket) => bucket.likes)).toEqual([121, 121]);
    const due = await runInDurableObject(roomStub(target), (_room, state) =>
      state.storage.sql.exec<{ due_at: number }>("SELECT due_at FROM alarm_jobs WHERE name = 'analytics-report'").one().due_at,
    );
    expect(due).toBeGreaterThan(Date.now() + REPORT_INTERVAL_MS - 10_000);
  });

  it("loses nothing when a report fails, and counts a repeated report once", async () => {
    const target = uniqueTarget();
    await likeAll(target, 130);
    // The room's own reporter over its real storage, with a partition that cannot be reached.
    await runInDurableObject(roomStub(target), async (_room, state) => {
      const failing = new SeriesReporter(state.storage.sql, new RoomMeta(state.storage.sql), async () => {
        throw new Error("partition unreachable");
      });
      await expect(failing.run(target, Date.now())).rejects.toThrow("partition unreachable");
    });
    expect((await unreported(target)).map((bucket) => bucket.likes)).toEqual([130, 130]);
    await runRoomAlarm(target);
    const buckets = await runInDurableObject(roomStub(target), (_room, state) => {
      state.storage.sql.exec("UPDATE analytics_buckets SET reported = 0");
      return unreportedBuckets(state.storage.sql, 1_000).buckets;
    });
    // The same totals again, as a retry after a lost answer would send them.
    await leaderboardFor(env, target).record({ target, buckets });
    expect((await top("metric=likes&window=1h&limit=100")).items).toContainEqual({ target, value: 130 });
  });

  it("counts a sharded target's likes from its shards, in its series and its rank", async () => {
    const target = uniqueTarget();
    await shardTarget(target, 4);
    for (let i = 0; i < 12; i++) expect((await like(target, uniqueUser())).status).toBe(200);
    await eventually(async () => {
      const series = TargetSeriesResponse.parse(await (await call(`/v1/analytics/targets/${target}?window=24h`)).json());
      expect(series.totals.likes).toBe(12);
    });
    await runRoomAlarm(target);
    // The room reported its first like at once (its alarm fires by itself) and holds the rest
    // for the next minute: what it will send then is the sum over the shards.
    const pending = await unreported(target);
    expect(pending.every((bucket) => bucket.likes === 12)).toBe(true);
    if (pending.length > 0) await leaderboardFor(env, target).record({ target, buckets: pending });
    // A limit of its own: the top is edge-cached for a few seconds per query.
    expect((await top("metric=likes&window=24h&limit=99")).items).toContainEqual({ target, value: 12 });
  });

  it("keeps rooms and leaderboard partitions bounded: buckets older than any window are pruned", async () => {
    const target = uniqueTarget();
    const now = Date.now();
    await seedSeries(target, [...events(target, "like", 2, now - 3 * 60 * MINUTE_MS), ...events(target, "like", 3, now - 9 * 24 * 60 * MINUTE_MS), ...events(target, "like", 1, now)]);
    await runRoomAlarm(target);
    const oldest = (sql: SqlStorage, table: string) =>
      sql.exec<{ step: number; oldest: number }>(`SELECT step_ms AS step, MIN(bucket) AS oldest FROM ${table} GROUP BY step_ms ORDER BY step_ms`).toArray();
    const inRoom = await runInDurableObject(roomStub(target), (_room, state) => oldest(state.storage.sql, "analytics_buckets"));
    // Minutes kept 2 h, hours 8 days: the 3 h old minute and the 9 day old hour are gone.
    expect(inRoom.map((row) => row.step)).toEqual([MINUTE_MS, 60 * MINUTE_MS]);
    expect(inRoom.every((row) => row.oldest >= now - (row.step === MINUTE_MS ? 2 : 8 * 24) * 60 * MINUTE_MS - row.step)).toBe(true);
    // A partition drops what is too old even when a room reports it.
    const stale = { stepMs: 60 * MINUTE_MS, bucket: Math.floor((now - 9 * 24 * 60 * MINUTE_MS) / (60 * MINUTE_MS)) * 60 * MINUTE_MS, likes: 5, unlikes: 0, reactions: 0, comments: 0 } as const;
    await leaderboardFor(env, target).record({ target, buckets: [stale] });
    const inBoard = await runInDurableObject(leaderboardFor(env, target), (_board, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM board_buckets WHERE target = ? AND bucket < ?", target, now - 8 * 24 * 60 * MINUTE_MS).one().n,
    );
    expect(inBoard).toBe(0);
  });

  it("reads the series of a target that was never written without storing its room", async () => {
    const target = uniqueTarget();
    const series = TargetSeriesResponse.parse(await (await call(`/v1/analytics/targets/${target}?window=7d`)).json());
    expect(series.totals).toEqual({ likes: 0, unlikes: 0, reactions: 0, comments: 0 });
    const tables = await runInDurableObject(roomStub(target), (_room, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master").one().n);
    expect(tables).toBe(0);
  });

  it("answers a second identical request from the edge cache", async () => {
    const target = uniqueTarget();
    const first = await call(`/v1/analytics/targets/${target}?window=1h`);
    const second = await call(`/v1/analytics/targets/${target}?window=1h`);
    expect([first.headers.get("x-cache"), second.headers.get("x-cache")]).toEqual(["MISS", "HIT"]);
  });

  it("refuses an unknown window or metric with 400 in the error shape", async () => {
    for (const path of [`/v1/analytics/targets/${uniqueTarget()}?window=2h`, "/v1/analytics/top?metric=views"]) {
      const res = await call(path);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
  });

  it("documents the new routes in the OpenAPI description", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/analytics/targets/{target}",
        "/v1/analytics/top",
        "/v1/admin/reconcile",
        "/v1/admin/reconcile/last",
        "/v1/users/me",
        "/v1/users/me/deletions/{id}",
      ]),
    );
  });
});
