import { describe, expect, it } from "vitest";
import { TargetSeriesResponse, TopResponse } from "../../protocol/analytics";
import type { EngagementEvent } from "../../protocol/events";
import { EVENTS_QUEUE } from "../../workers/queues";
import { call, uniqueTarget } from "./helpers";
import { deliver, likeEvent } from "./pipeline-helpers";

const MINUTE_MS = 60_000;

async function deliverAll(events: readonly EngagementEvent[]) {
  for (let i = 0; i < events.length; i += 100) await deliver(EVENTS_QUEUE, events.slice(i, i + 100));
}

function events(target: string, type: "like" | "unlike", count: number, at: number): EngagementEvent[] {
  return Array.from({ length: count }, (_, i) => likeEvent(target, `user-${i}`, at, type));
}

describe("analytics", () => {
  it("serves a per-minute series for the last hour whose points add up to the events", async () => {
    const target = uniqueTarget();
    const thisMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    await deliverAll([
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
    await deliverAll([...events(target, "like", 3, now - 3 * 60 * MINUTE_MS), ...events(target, "like", 5, now - 3 * 24 * 60 * MINUTE_MS)]);
    const day = TargetSeriesResponse.parse(await (await call(`/v1/analytics/targets/${target}?window=24h`)).json());
    const week = TargetSeriesResponse.parse(await (await call(`/v1/analytics/targets/${target}?window=7d`)).json());
    expect([day.step, day.points.length, day.totals.likes]).toEqual(["hour", 24, 3]);
    expect([week.step, week.points.length, week.totals.likes]).toEqual(["hour", 168, 8]);
  });

  it("ranks the targets with the most likes in the window", async () => {
    const [first, second, third] = [uniqueTarget(), uniqueTarget(), uniqueTarget()];
    const at = Date.now() - MINUTE_MS;
    await deliverAll([...events(third, "like", 150, at), ...events(first, "like", 190, at), ...events(second, "like", 170, at)]);
    const res = await call("/v1/analytics/top?metric=likes&window=1h&limit=3");
    expect(res.status).toBe(200);
    const top = TopResponse.parse(await res.json());
    expect(top.items).toEqual([
      { target: first, value: 190 },
      { target: second, value: 170 },
      { target: third, value: 150 },
    ]);
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
