import type { Comment } from "../protocol/comments";
import type { LiveEvent } from "../protocol/live";
import { isEmptyRedaction, type Redaction } from "../protocol/internal/relay-rpc";
import { ringElement, RingRow } from "./replay-ring";

function redacts(redaction: Redaction, comment: Comment): boolean {
  return redaction.commentIds.includes(comment.id) || (redaction.authorId !== null && comment.author.id === redaction.authorId);
}

/**
 * The tombstone that takes an event's place in every copy of the history (or, for an edited
 * comment, the event with its current text), or null when the redaction leaves the event alone. Only `comment` and `pin` events quote a comment's text
 * and author; the tombstone keeps the event's seq (the caller keeps it), so a replay still
 * proves it holds every event after `since`, and a client that replays it removes the
 * comment (or the pin) exactly as it does for a live deletion.
 */
export function redactEvent(event: LiveEvent, redaction: Redaction): LiveEvent | null {
  if (event.kind === "comment" && redacts(redaction, event.comment)) {
    return { kind: "comment_deleted", id: event.comment.id, replyTo: event.comment.replyTo };
  }
  if (event.kind === "pin" && event.comment !== null && redacts(redaction, event.comment)) return { kind: "pin", comment: null };
  // A held comment denied or erased: its author's history keeps the outcome, not the text.
  if (event.kind === "held" && (redaction.commentIds.includes(event.comment.id) || (redaction.authorId !== null && event.comment.author.id === redaction.authorId))) {
    return { kind: "held_resolved", heldId: event.comment.id, outcome: "denied", comment: null };
  }
  // An edit: every quote of the comment now carries its current text, never a superseded one.
  if (event.kind === "comment" || (event.kind === "pin" && event.comment !== null)) {
    const comment = event.comment!;
    const revision = redaction.revisions?.find((candidate) => candidate.id === comment.id);
    if (revision === undefined || (comment.text === revision.text && comment.editedAt === revision.editedAt)) return null;
    const revised: Comment = { ...comment, text: revision.text, mentions: revision.mentions, editedAt: revision.editedAt };
    return event.kind === "comment" ? { kind: "comment", comment: revised } : { kind: "pin", comment: revised };
  }
  return null;
}

/**
 * Replaces, in the room's replay ring, every event the redaction covers by its tombstone, in
 * place (same row, same seq, same time). Only rows at or after `fromSeq` are read: a comment's
 * `comment` event carries the comment's own seq and nothing quotes it before that.
 * Runs inside the caller's write transaction. Returns how many events it replaced.
 */
export function redactRing(sql: SqlStorage, redaction: Redaction, fromSeq: number): number {
  if (isEmptyRedaction(redaction)) return 0;
  let replaced = 0;
  // Rows of likes alone (most of a busy ring) are skipped without parsing; the bodies are minified JSON.
  const rows = sql
    .exec<{ seq: number; body: string }>(
      `SELECT seq, body FROM live_events WHERE seq >= ? AND (instr(body, '"kind":"comment"') > 0 OR instr(body, '"kind":"pin"') > 0 OR instr(body, '"kind":"held"') > 0)`,
      fromSeq,
    )
    .toArray();
  for (const row of rows) {
    let changed = false;
    const events = RingRow.parse(JSON.parse(row.body)).map(([seq, at, event, audience]) => {
      const tombstone = redactEvent(event, redaction);
      if (tombstone !== null) {
        changed = true;
        replaced++;
      }
      return ringElement({ seq, at, event: tombstone ?? event, ...(audience === undefined ? {} : { audience }) });
    });
    if (changed) sql.exec("UPDATE live_events SET body = ? WHERE seq = ?", JSON.stringify(events), row.seq);
  }
  return replaced;
}
