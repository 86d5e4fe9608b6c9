import { z } from "zod";
import { HelloYours, LiveEvent } from "../live";
import { CommentId, MAX_COMMENT_LENGTH } from "../comments";
import { TargetId, UserId } from "../target";
import { RelaySettings } from "../relays";

/** What a room and its LiveRelay objects say to each other (docs/relays.md). */

export const SetRelaysInput = RelaySettings.extend({ target: TargetId });
export type SetRelaysInput = z.infer<typeof SetRelaysInput>;

/** The relay's index among a target's relays; bounds the names a room can make. */
export const RelayIndex = z.number().int().min(0).max(100_000);

/** The Durable Object name of relay k of a target (shards use `${target}#${epoch}#${k}`). */
export function relayName(target: string, k: number): string {
  return `${target}#relay#${k}`;
}

/** The URL a room forwards a live upgrade to; the relay parses it back with RelayUpgradeQuery. */
export function relayUpgradeUrl(target: string, k: number, since: number | undefined): string {
  const params = new URLSearchParams({ target, k: String(k) });
  if (since !== undefined) params.set("since", String(since));
  return `https://live-relay.internal/live?${params}`;
}

export const RelayUpgradeQuery = z.object({
  target: TargetId,
  k: z.coerce.number().pipe(RelayIndex),
  since: z.coerce.number().int().nonnegative().optional(),
});

/**
 * On the relay's 101 answer: its open sockets right after the accept, so the room counts the
 * new viewer at once instead of waiting for the next report.
 */
export const RELAY_LOAD_HEADER = "x-engagement-relay-load";

/**
 * A relay's open sockets. `version` orders reports of one relay (a report and a 101 answer can
 * cross); it comes from the clock, so it keeps growing across the relay's evictions.
 */
export const RelayLoad = z.object({ sockets: z.number().int().nonnegative(), version: z.number().int().nonnegative() });
export type RelayLoad = z.infer<typeof RelayLoad>;

export const RelayReport = RelayLoad.extend({ target: TargetId, k: RelayIndex });
export type RelayReport = z.infer<typeof RelayReport>;

export const RelayWelcomeInput = z.strictObject({
  target: TargetId,
  k: RelayIndex,
  since: z.number().int().nonnegative().optional(),
  /** The signed-in viewer, so the hello can say which of the room's reactions they hold. */
  userId: UserId.optional(),
});
export type RelayWelcomeInput = z.infer<typeof RelayWelcomeInput>;

/**
 * What a room's welcome says of one signed-in viewer (durable-objects/room/relay-rpc.ts): their
 * reactions (the hello's `mine`) and their comments shown to them alone (`yours`). The relay
 * checks it as it arrives: the room may be of a newer or older deploy than the relay.
 */
export const RelayWelcomeViewer = z.object({ mine: z.array(z.string()).optional(), yours: HelloYours.optional() });
export type RelayWelcomeViewer = z.infer<typeof RelayWelcomeViewer>;

/** A user who moderates the room now: their sockets on this relay are closed (CLOSE_CODES.moved). */
export const RelayUserInput = z.strictObject({ target: TargetId, k: RelayIndex, userId: UserId });
export type RelayUserInput = z.infer<typeof RelayUserInput>;

export const RelayCatchUpInput = z.strictObject({ target: TargetId, k: RelayIndex, since: z.number().int().nonnegative() });
export type RelayCatchUpInput = z.infer<typeof RelayCatchUpInput>;

/**
 * Who may see a pushed event (durable-objects/write-path/audience.ts), absent for everyone.
 * Never "moderators": moderators' sockets are never on relays, so the room keeps those events
 * to itself (relay-fanout.ts); `{user}` events travel, and the relay sends each to that user only.
 */
export const RelayedAudience = z.union([z.literal("everyone"), z.object({ user: UserId })]);

export const PushedEvent = z.object({
  seq: z.number().int().nonnegative(),
  at: z.number().int().nonnegative(),
  event: LiveEvent,
  audience: RelayedAudience.optional(),
});
export type PushedEvent = z.infer<typeof PushedEvent>;

/** Redactions one push carries at most; past it the push asks the relay to forget its recent events. */
export const MAX_PUSH_REDACTIONS = 100;

/**
 * Comments whose text and author must leave every copy of the room's history (a deleted
 * comment, or every comment of a user who asked to be forgotten). Their `comment` events
 * become `comment_deleted` tombstones at the same seq; `pin` events quoting them pin nothing.
 */
/** An edited comment's text, which replaces the superseded text wherever history quotes it. */
export const Revision = z.strictObject({
  id: CommentId,
  text: z.string().max(MAX_COMMENT_LENGTH * 4),
  mentions: z.array(z.string().max(64)).max(MAX_COMMENT_LENGTH),
  editedAt: z.string().max(32),
});
export type Revision = z.infer<typeof Revision>;

export const Redaction = z.strictObject({
  commentIds: z.array(CommentId).max(1_000),
  authorId: UserId.nullable(),
  revisions: z.array(Revision).max(100).optional(),
});
export type Redaction = z.infer<typeof Redaction>;

/** A redaction that covers nothing: no history needs reading or rewriting for it. */
export function isEmptyRedaction(redaction: Redaction): boolean {
  return redaction.commentIds.length === 0 && redaction.authorId === null && (redaction.revisions ?? []).length === 0;
}

/**
 * One step of a room's ordered stream to one relay. `events` are every live event after
 * `after` up to `through` (seqs of events, not of likes: likes reach sockets as counts).
 * `after: null` means the room cannot vouch for that (it woke up, or dropped events to bound
 * its memory): the relay then reads what it lacks from the room's replay ring.
 */
export const RelayPush = z.strictObject({
  target: TargetId,
  k: RelayIndex,
  after: z.number().int().nonnegative().nullable(),
  through: z.number().int().nonnegative().nullable(),
  events: z.array(PushedEvent),
  count: z.object({ count: z.number().int().nonnegative(), seq: z.number().int().nonnegative() }).optional(),
  viewers: z.number().int().nonnegative().optional(),
  /** Applied to the relay's recent events after this push's events (durable-objects/ring-redaction.ts). */
  redactions: z.array(Redaction).max(MAX_PUSH_REDACTIONS).optional(),
  /** Too many redactions piled up for one push: the relay drops all its recent events instead. */
  forgetRecent: z.literal(true).optional(),
});
export type RelayPush = z.infer<typeof RelayPush>;

/** A relay's answer to a push: how far it has delivered events now. */
export interface RelayAck {
  through: number | null;
}

/** What a relay reports about itself (tests and the bench read it). */
export interface RelayStats {
  target: string | null;
  k: number | null;
  sockets: number;
  through: number | null;
  /** Times it read missing events from the room's ring since it woke up. */
  refetches: number;
}
