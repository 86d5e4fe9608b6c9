import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Comment } from "../../protocol/comments";
import { LikeResult } from "../../protocol/likes";
import { RoomMetricsReport } from "../../protocol/operations";
import { DevFaultsReport } from "../../workers/dev-faults";
import { queryLocalD1, startDevServer, type DevServer } from "../../scripts/dev-server";
import { call, pollUntil, read, RELIABILITY_AUTH_SECRET, tokenFor, UNLIMITED_RATES, uniqueTarget } from "./client";
import { printReliability } from "./record";
import { lakeRows } from "./lake";

/**
 * Long enough for the writes below plus a queue batch on a slow machine, so every event is
 * refused at least once; short enough that none reaches the dead-letter queue (retries after
 * 5, 10, 20 s: at most four attempts of the six max_retries allows).
 */
const OUTAGE_MS = 20_000;
/** The queue delivers within its 1 s batch timeout; leave room for a slow delivery. */
const DELIVERY_MARGIN_MS = 3_000;
const TARGETS = 2;
const USERS = 20;
/** Events need the outage's retries (5 + 10 + 20 s at most) and a consumer batch to land. */
const DELIVERY_MS = 75_000;
/** Long enough for a redelivery still in flight to land (a queue batch times out after 1 s). */
const LATE_DUPLICATE_MS = 6_000;

const DeadRow = z.object({ n: z.number().int() });
const D1Answer = z.array(z.object({ results: z.array(z.unknown()) }));

async function d1Rows<T extends z.ZodType>(persistTo: string, sql: string, row: T): Promise<z.infer<T>[]> {
  const [answer] = D1Answer.parse(await queryLocalD1(persistTo, sql));
  return z.array(row).parse(answer?.results ?? []);
}

describe("queue consumer outage", () => {
  let server: DevServer | null = null;
  let persistTo = "";

  afterAll(async () => {
    await server?.stop();
    if (persistTo !== "") await rm(persistTo, { recursive: true, force: true });
  });

  it("retries every event the failing consumer refused and stores each exactly once when it recovers", async () => {
    persistTo = await mkdtemp(join(tmpdir(), "engagement-queue-"));
    server = await startDevServer({ authSecret: RELIABILITY_AUTH_SECRET, persistTo, vars: UNLIMITED_RATES });
    const url = server.url;
    const admin = await tokenFor("queue-admin", ["admin"]);
    const targets = Array.from({ length: TARGETS }, () => uniqueTarget());
    const users = Array.from({ length: USERS }, (_, i) => `queue-${i}-${crypto.randomUUID().slice(0, 6)}`);

    const switched = await read(url, "/v1/dev/faults", DevFaultsReport, { body: { eventsConsumerFailForMs: OUTAGE_MS } });
    expect(switched.eventsConsumer.failingUntil).not.toBeNull();
    const outageStartedAt = Date.now();

    // Events in: every change the rooms acknowledged (a like, then an unlike of half of them, a comment each).
    let eventsIn = 0;
    for (const [i, user] of users.entries()) {
      const token = await tokenFor(user);
      for (const target of targets) {
        const liked = LikeResult.parse((await call(url, "/v1/likes", { token, body: { target, action: "like" } })).body);
        if (liked.changed) eventsIn++;
        if (i % 2 === 0) {
          const unliked = LikeResult.parse((await call(url, "/v1/likes", { token, body: { target, action: "unlike" } })).body);
          if (unliked.changed) eventsIn++;
        }
        const answer = await call(url, `/v1/targets/${target}/comments`, { token, body: { text: `queue fault comment ${i}` } });
        expect(answer.status).toBe(201);
        Comment.parse(answer.body);
        eventsIn++;
      }
    }
    const writesDoneAt = Date.now();
    expect(writesDoneAt - outageStartedAt, "the writes finished well inside the outage").toBeLessThan(OUTAGE_MS - DELIVERY_MARGIN_MS);

    // While the consumer fails, nothing reaches the lake: the rooms shipped their outboxes, the queue holds the events.
    const storedDuring = (await lakeRows(url, admin, targets)).length;
    const faultsDuring = await read(url, "/v1/dev/faults", DevFaultsReport);

    // Events out: after the outage, poll the lake until every event is there, then wait for a late duplicate.
    const totalStored = async () => new Set((await lakeRows(url, admin, targets)).map((row) => row.event_id)).size;
    await pollUntil(totalStored, (n) => n >= eventsIn, DELIVERY_MS, 1_000);
    await new Promise((r) => setTimeout(r, LATE_DUPLICATE_MS));
    const seqs = await Promise.all(targets.map(async (t) => (await read(url, `/v1/admin/targets/${t}/metrics`, RoomMetricsReport, { token: admin })).seq));
    const faultsAfter = await read(url, "/v1/dev/faults", DevFaultsReport);
    // The lake, not D1 `events`: every event the consumer acked, as stored (docs/lake.md).
    const events = await lakeRows(url, admin, targets);
    await server.stop();
    server = null;

    const [dead] = await d1Rows(persistTo, `SELECT COUNT(*) AS n FROM dead_letters WHERE body LIKE '%${targets[0]}%' OR body LIKE '%${targets[1]}%'`, DeadRow);
    const distinct = new Set(events.map((e) => e.event_id));
    const lost = eventsIn - distinct.size;
    const duplicated = events.length - distinct.size;
    const refused = faultsAfter.eventsConsumer.messagesRefused;

    printReliability({ kind: "fault", suite: "queue consumer outage", fault: `consumer refuses batches ${OUTAGE_MS / 1000} s`, injected: refused, survived: lost === 0 && duplicated === 0 ? refused : 0 });
    printReliability({ kind: "writes", suite: "queue consumer outage", acknowledged: eventsIn, lost });
    console.log(`queue: ${eventsIn} events in, ${events.length} rows in the lake, ${refused} deliveries refused in ${faultsAfter.eventsConsumer.batchesRefused} batches, ${storedDuring} stored during the outage`);

    expect(storedDuring, "the consumer stored nothing while failing").toBe(0);
    expect(faultsDuring.eventsConsumer.messagesRefused, "the consumer refused deliveries").toBeGreaterThan(0);
    // Each event was offered during the outage at least once; retries make it more.
    expect(refused).toBeGreaterThanOrEqual(eventsIn);
    expect({ lost, duplicated, dead: dead?.n ?? 0 }).toEqual({ lost: 0, duplicated: 0, dead: 0 });
    // Every committed change is one event: the rooms' seqs are exactly the stored events.
    expect(events.length).toBe(seqs.reduce((a, b) => a + b, 0));
  });
});
