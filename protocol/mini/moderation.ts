import * as z from "zod/mini";
import { CommentId } from "./comment";

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

/**
 * A mod log entry (protocol/moderation.ts ModLogEntry), as the `modlog` live event carries it to
 * moderators. An action this list does not name makes the frame unreadable, and a client
 * ignores it (the protocol grows additively): a new action comes here with the server's.
 */
export const ModLogAction = z.enum([
  "comment_delete",
  "pin",
  "unpin",
  "highlight",
  "unhighlight",
  "ban",
  "timeout",
  "unban",
  "settings",
  "terms",
  "moderator_add",
  "moderator_remove",
  "report_dismiss",
  "report_remove",
]);
export const ModLogEntry = z.object({
  id: z.int(),
  at: z.string(),
  moderator: UserId,
  action: ModLogAction,
  userId: z.nullable(UserId),
  commentId: z.nullable(CommentId),
  reason: z.nullable(z.string()),
  detail: z.nullable(z.string()),
});
