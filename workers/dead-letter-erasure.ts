import { sql, type SQL } from "drizzle-orm";
import { d1Statement } from "./d1-statements";

/**
 * Taking users' events out of stored dead-lettered batches, in SQL, so that it runs inside the
 * D1 transaction that also records the dead letter (workers/dead-letters.ts) or completes the
 * user's deletion (workers/deletion/steps.ts). The two transactions are serialised by D1, so
 * whichever comes second sees the other: no interleaving leaves a forgotten user's events in
 * `dead_letters`. Only bodies that parsed as a batch (and so are stored whole, valid JSON) have
 * `dead_letter_users` rows; `json_valid` guards the rest anyway.
 */

/**
 * The body without the events `keep` refuses; the event order stays the array's. `json()` keeps
 * the array an array: a subquery's result loses the JSON subtype json_set would need.
 */
function rewrittenBody(keep: SQL): SQL {
  return sql`json_set(body, '$.events', json((
    SELECT json_group_array(json(e.value)) FROM (
      SELECT e.value FROM json_each(dead_letters.body, '$.events') AS e WHERE ${keep} ORDER BY e.key
    ) AS e
  )))`;
}

const EMPTY_BATCH = sql`json_valid(body) AND json_array_length(body, '$.events') = 0`;

/** Users listed for this message whose deletion completed. */
function forgottenOf(messageId: string): SQL {
  return sql`SELECT u.user_id FROM dead_letter_users u
    JOIN deletion_receipts r ON r.subject_key = u.subject_key AND r.status = 'completed'
    WHERE u.message_id = ${messageId}`;
}

/** For a dead letter just recorded: drops the events of users whose deletion already completed. */
export function dropForgottenEvents(d1: D1Database, messageId: string): D1PreparedStatement[] {
  const forgotten = forgottenOf(messageId);
  return [
    d1Statement(
      d1,
      sql`UPDATE dead_letters SET body = ${rewrittenBody(sql`json_extract(e.value, '$.userId') IS NULL OR json_extract(e.value, '$.userId') NOT IN (${forgotten})`)}
        WHERE message_id = ${messageId} AND json_valid(body) AND EXISTS (${forgotten})`,
    ),
    d1Statement(d1, sql`DELETE FROM dead_letters WHERE message_id = ${messageId} AND ${EMPTY_BATCH}`),
    d1Statement(
      d1,
      sql`DELETE FROM dead_letter_users WHERE message_id = ${messageId}
        AND subject_key IN (SELECT subject_key FROM deletion_receipts WHERE status = 'completed')`,
    ),
  ];
}

/** For a user's deletion: their events leave every stored dead letter; one left empty goes. */
export function eraseUserFromDeadLetters(d1: D1Database, userId: string): D1PreparedStatement[] {
  const theirs = sql`SELECT message_id FROM dead_letter_users WHERE user_id = ${userId}`;
  return [
    d1Statement(
      d1,
      sql`UPDATE dead_letters SET body = ${rewrittenBody(sql`json_extract(e.value, '$.userId') IS NOT ${userId}`)}
        WHERE message_id IN (${theirs}) AND json_valid(body)`,
    ),
    d1Statement(d1, sql`DELETE FROM dead_letters WHERE message_id IN (${theirs}) AND ${EMPTY_BATCH}`),
    d1Statement(d1, sql`DELETE FROM dead_letter_users WHERE user_id = ${userId}`),
  ];
}
