import { env, createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../workers/app";
import { DevFaultsReport, setEventsConsumerFault } from "../../workers/dev-faults";
import { EVENTS_QUEUE } from "../../workers/queues";
import { uniqueTarget } from "./helpers";
import { deliver, likeEvent } from "./pipeline-helpers";
import { lakeRowsOf } from "./lake-helpers";

/** `wrangler dev` serves on loopback; the switch answers only there. */
const LOCAL = "http://127.0.0.1:8787";
const app = createApp();

async function callAs(environment: string, url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(url, init, { ...env, ENVIRONMENT: environment }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const switchOn = (ms: number): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ eventsConsumerFailForMs: ms }),
});

describe("development fault switch", () => {
  afterEach(() => setEventsConsumerFault(0));

  it("is a plain 404 outside development and off loopback, and stays off there", async () => {
    for (const init of [switchOn(60_000), {}]) {
      expect((await callAs("production", `${LOCAL}/v1/dev/faults`, init)).status).toBe(404);
      expect((await SELF.fetch("https://engagement.example.com/v1/dev/faults", init)).status).toBe(404);
    }
    const report = DevFaultsReport.parse(await (await callAs("development", `${LOCAL}/v1/dev/faults`)).json());
    expect(report.eventsConsumer.failingUntil).toBeNull();
  });

  it("refuses bodies that are not a bounded duration with 400", async () => {
    for (const body of ['{"eventsConsumerFailForMs":-1}', '{"eventsConsumerFailForMs":300001}', '{"other":1}', "{"]) {
      const res = await callAs("development", `${LOCAL}/v1/dev/faults`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(res.status).toBe(400);
    }
  });

  it("makes the events consumer retry every message while on, only in development, and store them once it is off", async () => {
    const res = await callAs("development", `${LOCAL}/v1/dev/faults`, switchOn(60_000));
    expect(DevFaultsReport.parse(await res.json()).eventsConsumer.failingUntil).not.toBeNull();
    const target = uniqueTarget();
    const events = [likeEvent(target, "u1", Date.now()), likeEvent(target, "u2", Date.now())];

    const refused = await deliver(EVENTS_QUEUE, events);
    expect(refused.result.explicitAcks).toEqual([]);
    expect(refused.result.retryMessages).toHaveLength(2);
    expect(await lakeRowsOf(target)).toHaveLength(0);

    // A deployment never honours it, even if the switch were somehow on.
    const production = await deliver(EVENTS_QUEUE, events.slice(0, 1), { env: { ...env, ENVIRONMENT: "production" } });
    expect(production.result.explicitAcks).toHaveLength(1);

    const off = await callAs("development", `${LOCAL}/v1/dev/faults`, switchOn(0));
    const report = DevFaultsReport.parse(await off.json());
    expect(report.eventsConsumer).toMatchObject({ failingUntil: null });
    expect(report.eventsConsumer.messagesRefused).toBeGreaterThanOrEqual(2);
    const stored = await deliver(EVENTS_QUEUE, events);
    expect(stored.result.explicitAcks).toHaveLength(2);
    expect(await lakeRowsOf(target)).toHaveLength(2);
  });
});
