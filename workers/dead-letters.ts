import { drizzle } from "drizzle-orm/d1";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { UserId } from "../protocol/target";
import { EventBatchMessage } from "../protocol/event-batch";
import { deadLetters } from "../platform/db/schema";
import { d1Statement } from "./d1-statements";
import { dropForgottenEvents } from "./dead-letter-erasure";
import type { AppEnv } from "../platform/env";
import { logEvent } from "../platform/log";
import { retryDelaySeconds } from "./queues";
import { subjectKeySecret, subjectKeys } from "./subject-key";

/** Six bound columns per row. */
const ROWS_PER_INSERT = Math.floor(100 / 6);
/** A dead letter may be anything; only a well-formed user id is copied out for deletions. */
const NamesAUser = z.object({ userId: UserId });
/**
 * Bodies are kept for inspection, not forever large. A batch is stored whole (a queue message is
 * at most 128 KB anyway): a user's deletion rewrites it without their events, which a cut body
 * would not allow.
 */
const MAX_STORED_BODY_CHARS = 64 * 1024;

function bodyText(body: unknown, whole: boolean): string {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return !whole && text.length > MAX_STORED_BODY_CHARS ? text.slice(0, MAX_STORED_BODY_CHARS) : text;
}

/** The users a body names: every event's user for a batch, else a top-level `userId`. */
function namedUsers(body: unknown): { batch: boolean; userIds: string[] } {
  const batch = EventBatchMessage.safeParse(body);
  if (batch.success) {
    const userIds = new Set(batch.data.events.flatMap((event) => (event.userId === null ? [] : [event.userId])));
    return { batch: true, userIds: [...userIds] };
  }
  const named = NamesAUser.safeParse(body);
  return { batch: false, userIds: named.success ? [named.data.userId] : [] };
}

/**
 * Records each dead-lettered message in D1 `dead_letters` (once per message id) and acks it
 * after the write. A batch of events (protocol/event-batch.ts) carries many users: each is
 * listed in `dead_letter_users`, so their deletion finds the row. In the same transaction the
 * events of users whose deletion completed are taken out of the stored body (and a body left
 * with none is dropped), so a late dead letter cannot bring a forgotten user back, even when the
 * deletion completes while this batch is written. Bodies that are not batches are kept as they
 * are; one naming a forgotten user in a top-level `userId` is dropped.
 */
export async function recordDeadLetters(batch: MessageBatch<unknown>, env: AppEnv): Promise<void> {
  const now = Date.now();
  const rows = batch.messages.map((message) => {
    const named = namedUsers(message.body);
    return {
      row: {
        messageId: message.id,
        queue: batch.queue,
        body: bodyText(message.body, named.batch),
        attempts: message.attempts,
        userId: !named.batch && named.userIds.length > 0 ? named.userIds[0]! : null,
        receivedAt: now,
      },
      batch: named.batch,
      userIds: named.userIds,
    };
  });
  const db = drizzle(env.DB);
  try {
    const keys = await subjectKeys(subjectKeySecret(env), rows.flatMap((entry) => entry.userIds));
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const values = rows.slice(i, i + ROWS_PER_INSERT).map((entry) => entry.row);
      statements.push(d1Statement(env.DB, db.insert(deadLetters).values(values).onConflictDoNothing()));
    }
    for (const entry of rows) {
      if (!entry.batch || entry.userIds.length === 0) continue;
      // One statement per message however many users it carries (up to MAX_EVENTS_PER_MESSAGE).
      const pairs = JSON.stringify(entry.userIds.map((userId) => [userId, keys.get(userId)!]));
      statements.push(
        d1Statement(
          env.DB,
          sql`INSERT OR IGNORE INTO dead_letter_users (message_id, user_id, subject_key)
            SELECT ${entry.row.messageId}, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${pairs})`,
        ),
      );
    }
    for (const entry of rows) {
      if (entry.batch && entry.userIds.length > 0) statements.push(...dropForgottenEvents(env.DB, entry.row.messageId));
    }
    for (const entry of rows) {
      if (entry.batch || entry.row.userId === null) continue;
      statements.push(
        d1Statement(
          env.DB,
          sql`DELETE FROM dead_letters WHERE message_id = ${entry.row.messageId} AND user_id = ${entry.row.userId}
            AND EXISTS (SELECT 1 FROM deletion_receipts WHERE subject_key = ${keys.get(entry.row.userId)!} AND status = 'completed')`,
        ),
      );
    }
    await env.DB.batch(statements);
  } catch (error) {
    logEvent("dead_letter_retry", { queue: batch.queue, messages: rows.length, error: String(error) });
    for (const message of batch.messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  logEvent("dead_letters_recorded", { queue: batch.queue, messages: rows.length });
  for (const message of batch.messages) message.ack();
}
