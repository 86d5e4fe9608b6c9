import * as z from "zod/mini";
import { Comment, CommentId, HeldComment } from "./comment";

/**
 * The REST answers <engage-moderation> reads beyond the comment section's (comments.ts), in
 * zod/mini: reports and members (protocol/moderation.ts, internal/moderation-rpc.ts).
 * test/workerd/mini-mirrors.test.ts proves each agrees with the server's schema.
 */
const UserId = z.string().check(z.minLength(1), z.maxLength(128));

export const Report = z.object({ id: z.string(), commentId: CommentId, reporter: UserId, reason: z.string(), createdAt: z.string() });
export const ReportsResponse = z.object({ reports: z.array(Report), nextCursor: z.nullable(z.string()) });
export const MembersResponse = z.object({ members: z.array(UserId) });

export type Report = z.infer<typeof Report>;
export const ModeratorsResponse = z.object({ moderators: z.array(UserId) });
export const MemberChangeResponse = z.object({ userId: UserId, member: z.boolean(), changed: z.boolean() });

/** protocol/held.ts: the review queue's page (oldest first) and the answer of approve and deny. */
export const HeldPageResponse = z.object({ items: z.array(HeldComment), nextCursor: z.nullable(z.string()) });
export const HeldResolution = z.object({ heldId: CommentId, outcome: z.enum(["approved", "denied"]), comment: z.nullable(Comment) });
