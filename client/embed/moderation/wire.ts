import * as z from "zod/mini";
import { Ban } from "../../../protocol/mini/comments";

/**
 * The answers of routes that landed after main's mirrors (protocol/mini/): the room's terms
 * (`GET/PUT /v1/targets/:target/terms`, issue 21) and its moderation log
 * (`GET /v1/targets/:target/modlog`), read from the `terms` branch as it stood. ONE place to
 * adjust at merge: once the server's schemas are on main, these move to protocol/mini/ with a
 * case in test/workerd/mini-mirrors.test.ts. Fields the view does not need stay loose
 * (optional, extra keys ignored), so a richer answer still reads.
 */
export const TERMS_LIMITS = { entriesPerList: 50, charactersPerEntry: 32 } as const;

const TermList = z.array(z.string()).check(z.maxLength(TERMS_LIMITS.entriesPerList));
export const Terms = z.object({ blocked: TermList, suspect: TermList });
export type Terms = z.infer<typeof Terms>;

const maybe = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

/**
 * One moderation action: who did what to whom, when, and why (the terms branch's ModLogEntry:
 * id, at, moderator, action, userId, commentId, reason, detail). `action` stays a string, so an
 * action added later still reads (shown by its code until the catalogue has words for it).
 */
export const ModlogEntry = z.object({
  id: maybe(z.union([z.number(), z.string()])),
  at: z.string(),
  moderator: z.string(),
  action: z.string(),
  /** The user acted upon, if any. */
  userId: maybe(z.string()),
  commentId: maybe(z.string()),
  reason: maybe(z.string()),
  /** A short note from the room: the settings changed, the list sizes, a timeout's length. */
  detail: maybe(z.string()),
});
export type ModlogEntry = z.infer<typeof ModlogEntry>;
export const ModlogPage = z.object({ entries: z.array(ModlogEntry), nextCursor: maybe(z.string()) });

/** Open reports grouped by comment (`GET …/reports/by-comment`), the most recently reported first. */
export const ReportGroup = z.object({ commentId: z.string(), count: z.number(), reasons: z.array(z.string()), firstAt: z.string(), lastAt: z.string() });
export const ReportGroupsPage = z.object({ groups: z.array(ReportGroup), nextCursor: maybe(z.string()) });
/** `POST …/reports/:commentId/resolve {action: "dismiss" | "remove"}`. */
export const ResolveResult = z.object({ commentId: z.string(), resolved: z.number(), removed: z.boolean() });

/** Main's ban list is one answer; paged lists add a cursor beside it. */
export const BansPage = z.object({ bans: z.array(Ban), nextCursor: maybe(z.string()) });

/** Query string of a page after `cursor`. */
export const pageQuery = (limit: number, cursor: string | null) => `?limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
