import { drizzle } from "drizzle-orm/d1";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { UserId } from "../protocol/target";
import { deadLetters } from "./db/schema";
import { d1Statement } from "./d1-statements";
import type { AppEnv } from "./env";
import { logEvent } from "./log";
import { retryDelaySeconds } from "./queues";
import { subjectKeySecret, subjectKeys } from "./subject-key";

/** Six bound columns per row. */
const ROWS_PER_INSERT = Math.floor(100 / 6);
/** A dead letter may be anything; only a well-formed user id is copied out for deletions. */
const NamesAUser = z.object({ userId: UserId });
/** Bodies are kept for inspection, not forever large: a queue message is at most 128 KB anyway. */
const MAX_STORED_BODY_CHARS = 64 * 1024;

function bodyText(body: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return text.length > MAX_STORED_BODY_CHARS ? text.slice(0, MAX_STORED_BODY_CHARS) : text;
}

/**
 * Records each dead-lettered message in D1 `dead_letters` (once per message id) and acks it
 * after the write. Rows of users whose deletion completed are dropped in the same
 * transaction, so a late dead letter cannot bring a forgotten user id back.
 */
export async function recordDeadLetters(batch: MessageBatch<unknown>, env: AppEnv): Promise<void> {
  const rows = batch.messages.map((message) => {
    const named = NamesAUser.safeParse(message.body);
    return {
      messageId: message.id,
      queue: batch.queue,
      body: bodyText(message.body),
      attempts: message.attempts,
      userId: named.success ? named.data.userId : null,
      receivedAt: Date.now(),
    };
  });
  const db = drizzle(env.DB);
  try {
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      statements.push(d1Statement(env.DB, db.insert(deadLetters).values(rows.slice(i, i + ROWS_PER_INSERT)).onConflictDoNothing()));
    }
    const keys = await subjectKeys(subjectKeySecret(env), rows.flatMap((row) => (row.userId === null ? [] : [row.userId])));
    for (const [userId, key] of keys) {
      statements.push(
        d1Statement(
          env.DB,
          sql`DELETE FROM dead_letters WHERE user_id = ${userId}
            AND EXISTS (SELECT 1 FROM deletion_receipts WHERE subject_key = ${key} AND status = 'completed')`,
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
