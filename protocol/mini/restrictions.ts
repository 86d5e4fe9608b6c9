import * as z from "zod/mini";

/**
 * protocol/moderation.ts's restriction answers (shadow-hide, docs/moderation.md "Restrictions")
 * in zod/mini: a restriction, the list's page (newest first) and the answer of a lift. A file of
 * their own, apart from moderation.ts: only the Bans tab's chunk reads them, and a file is what
 * the build splits by, so the moderation view's first load does not carry them.
 * test/workerd/mini-mirrors.test.ts proves each agrees with the server's schema.
 */
const UserId = z.string().check(z.minLength(1), z.maxLength(128));

export const Restriction = z.object({ userId: UserId, reason: z.nullable(z.string()), by: UserId, createdAt: z.string() });
export type Restriction = z.infer<typeof Restriction>;
export const RestrictionsResponse = z.object({ restrictions: z.array(Restriction), nextCursor: z.nullable(z.string()) });
export const LiftRestrictionResponse = z.object({ userId: UserId, lifted: z.boolean() });
