import { z } from "zod";
import { Actor } from "./actor";
import { Comment, CommentId } from "./comments";
import { TargetId } from "./target";
import { isWellFormed } from "./text";

/**
 * The review queue (docs/moderation.md "Held comments"). A held comment lives apart from the
 * room's comments: no viewer reads it, no count or page includes it, until a moderator
 * approves it (it is then published with a public id and seq of that moment) or denies it.
 */

/**
 * What held it: a suspect term, pre-moderation, a newcomer's link, K reports (it was public), or
 * the room's publish delay (published by the room itself at `releaseAt` unless a moderator denies it first),
 * or its author is restricted (never published unless a moderator approves it; see docs/moderation.md "Restrictions").
 */
export const HeldFor = z.enum(["suspect_term", "premoderation", "newcomer_link", "reports", "delay", "restricted"]);
export type HeldFor = z.infer<typeof HeldFor>;

export const HeldComment = z.object({
  /** The held id: `POST .../comments/:id/approve|deny` take it. Not the id it is published under (except `reports`). */
  id: CommentId,
  ...Comment.pick({ target: true, author: true, text: true, mentions: true, replyTo: true, createdAt: true }).shape,
  held: z.literal(true),
  heldFor: HeldFor,
  /** A held edit: the published comment it would change (viewers keep its current text meanwhile). */
  editOf: CommentId.optional(),
  /** `delay` only: when the room publishes it (ISO time). */
  releaseAt: z.string().optional(),
});
export type HeldComment = z.infer<typeof HeldComment>;

/** Oldest first (a queue), cursor paged. */
export const HeldQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const HeldPageResponse = z.object({ items: z.array(HeldComment), nextCursor: z.string().nullable() });

/** A moderator's optional reason, kept in the mod log. */
export const DecideHeldBody = z.strictObject({ reason: z.string().trim().max(300).refine(isWellFormed, "text has a lone UTF-16 surrogate").optional() });
export type DecideHeldBody = z.infer<typeof DecideHeldBody>;

/**
 * How a held comment ended: the answer of approve and deny, and the `held_resolved` live event
 * its author (and the moderators) receive, so a client replaces its pending copy. `comment` is
 * the published comment (approved) or null (denied).
 */
export const HeldResolution = z.object({
  heldId: CommentId,
  outcome: z.enum(["approved", "denied"]),
  comment: Comment.nullable(),
});
export type HeldResolution = z.infer<typeof HeldResolution>;

// RPC inputs of the room's held-comment methods (the Worker fills `actor` from the token).

/** The queue sorts by (heldAt, id); the last item of a page is the cursor. */
export const HeldCursor = z.strictObject({ heldAt: z.number().int().min(0), id: CommentId });
export type HeldCursor = z.infer<typeof HeldCursor>;

export const ListHeldInput = z.strictObject({ target: TargetId, actor: Actor, before: HeldCursor.optional(), limit: z.number().int().min(1).max(100) });
export type ListHeldInput = z.infer<typeof ListHeldInput>;
export const HeldPage = z.object({ items: z.array(HeldComment), next: HeldCursor.nullable() });
export type HeldPage = z.infer<typeof HeldPage>;

export const DecideHeldInput = z.strictObject({ target: TargetId, actor: Actor, heldId: CommentId, reason: z.string().max(300).optional() });
export type DecideHeldInput = z.infer<typeof DecideHeldInput>;
