import * as z from "zod/mini";
import { Comment, count, TargetId } from "./comment";

/**
 * zod/mini mirrors of the REST answers the SDK (client/rest.ts) reads, so the npm package
 * (docs/embed.md#the-npm-package) carries no classic-zod schema. Importing ./comment also sets
 * `jitless` (no `new Function`). test/workerd/mini-mirrors.test.ts proves each agrees with
 * its classic schema (protocol/likes.ts, comments.ts).
 */

export const LikeResult = z.object({ target: TargetId, liked: z.boolean(), count: count(), changed: z.boolean(), seq: count() });
export const CountResponse = z.object({ target: TargetId, count: count(), asOf: z.string() });
export const StatsResponse = z.object({
  target: TargetId,
  likes: count(),
  reactions: z.record(z.string(), count()),
  comments: count(),
  viewers: count(),
  asOf: z.string(),
});
export const UserLikesResponse = z.object({
  items: z.array(z.object({ target: TargetId, likedAt: z.string() })),
  nextCursor: z.nullable(z.string()),
  total: count(),
});
export const TopCommentsResponse = z.object({ items: z.array(z.extend(Comment, { score: z.number() })) });
export { CommentsPage, DeletedComment } from "./comments";

export { BatchCountResponse, Comment, ErrorBody, LikeStatusResponse, LiveTicket } from "./live";
