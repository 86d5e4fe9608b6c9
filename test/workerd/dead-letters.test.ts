import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EventBatchMessage } from "../../protocol/event-batch";
import { EVENTS_DLQ } from "../../workers/queues";
import { requestDeletion, waitForCompletion } from "./deletion-helpers";
import { uniqueTarget, uniqueUser } from "./helpers";
import { batchMessage, deliver, likeEvents } from "./pipeline-helpers";
import { d1TablesMentioning } from "./traces";

/** The stored batch of a dead letter, parsed back; null when the row is gone. */
async function storedBatch(messageId: string): Promise<EventBatchMessage | null> {
  const row = await env.DB.prepare("SELECT body FROM dead_letters WHERE message_id = ?").bind(messageId).first<{ body: string }>();
  return row === null ? null : EventBatchMessage.parse(JSON.parse(row.body));
}

async function storedBody(messageId: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT body FROM dead_letters WHERE message_id = ?").bind(messageId).first<{ body: string }>();
  return row?.body ?? null;
}

async function deleteUser(userId: string): Promise<void> {
  const { receipt } = await requestDeletion(userId);
  await waitForCompletion(userId, receipt.receiptId);
}

/** Dead-letters one batch with these users' likes on a new target (in order) and answers its message id. */
async function deadLetterBatch(users: readonly string[]): Promise<string> {
  const dead = await deliver(EVENTS_DLQ, [batchMessage(likeEvents(uniqueTarget(), users, Date.now() - 1_000))]);
  expect(dead.result.explicitAcks).toHaveLength(1);
  return dead.batch.messages[0]!.id;
}

const usersOf = (batch: EventBatchMessage | null) => batch?.events.map((event) => event.userId) ?? [];

describe("dead letters of batched events", () => {
  it("a user's deletion takes their events out of a dead-lettered batch and keeps the other users' events", { timeout: 60_000 }, async () => {
    const leaver = uniqueUser("dlq-leaver");
    const stayer = uniqueUser("dlq-stayer");
    const shared = await deadLetterBatch([leaver, stayer, leaver]);
    const onlyLeaver = await deadLetterBatch([leaver]);
    // A body that is no batch is kept as it came, as before.
    const marker = crypto.randomUUID();
    const odd = await deliver(EVENTS_DLQ, [{ not: "a batch", marker }]);
    expect(usersOf(await storedBatch(shared))).toEqual([leaver, stayer, leaver]);
    expect(usersOf(await storedBatch(onlyLeaver))).toEqual([leaver]);

    await deleteUser(leaver);

    const kept = await storedBatch(shared);
    expect(usersOf(kept)).toEqual([stayer]);
    expect(kept?.events[0]?.seq).toBe(2);
    expect(await storedBatch(onlyLeaver)).toBeNull();
    expect(await d1TablesMentioning(leaver)).toEqual([]);
    expect(await d1TablesMentioning(stayer)).toEqual(expect.arrayContaining(["dead_letters", "dead_letter_users"]));
    expect(JSON.parse((await storedBody(odd.batch.messages[0]!.id))!)).toEqual({ not: "a batch", marker });
  });

  it("lists all 500 users of one batch in one statement and takes out only the deleted one", { timeout: 60_000 }, async () => {
    const users = Array.from({ length: 500 }, (_, i) => uniqueUser(`dlq-many-${i}`));
    const big = await deadLetterBatch(users);
    const listed = await env.DB.prepare("SELECT COUNT(*) AS n FROM dead_letter_users WHERE message_id = ?").bind(big).first<{ n: number }>();
    expect(listed?.n).toBe(500);
    await deleteUser(users[250]!);
    expect(usersOf(await storedBatch(big))).toEqual(users.filter((_, i) => i !== 250));
  });

  it("a dead-lettered batch arriving after a user's deletion completed stores nothing of that user", { timeout: 60_000 }, async () => {
    const leaver = uniqueUser("dlq-late");
    const stayer = uniqueUser("dlq-other");
    await deleteUser(leaver);

    const shared = await deadLetterBatch([stayer, leaver]);
    const onlyLeaver = await deadLetterBatch([leaver, leaver]);

    expect(usersOf(await storedBatch(shared))).toEqual([stayer]);
    expect(await storedBatch(onlyLeaver)).toBeNull();
    expect(await d1TablesMentioning(leaver)).toEqual([]);
    // A later deletion of the other user still finds the row through its own listing.
    await deleteUser(stayer);
    expect(await storedBatch(shared)).toBeNull();
    expect(await d1TablesMentioning(stayer)).toEqual([]);
  });
});
