import type { z } from "zod";
import { BatchCountRequest, CountResponse, LikeRequest, LikeStatusResponse, StatsResponse, ToggleRequest, UserLikesResponse } from "../../protocol/likes";
import { ReactionRequest, ReactionUsersPage } from "../../protocol/reactions";
import { LiveTicketRequest } from "../../protocol/live-tickets";
import { Comment, CommentsPage, CreateCommentBody, EditCommentBody, TopCommentsResponse } from "../../protocol/comments";
import {
  BanBody,
  HighlightBody,
  MemberBody,
  ModeratorBody,
  PinBody,
  RegisterTargetBody,
  ReportBody,
  SettingsPatch,
  TargetInfo,
  TermsBody,
  RestrictBody,
  RestrictionsResponse,
} from "../../protocol/moderation";
import { BansPageResponse, MembersBody, MembersResponse, ModLogResponse, ReportGroupsResponse, ReportsResponse } from "../../protocol/moderation";
import { DecideHeldBody, HeldPageResponse } from "../../protocol/held";
import { SetShardsRequest, ShardConfigResponse } from "../../protocol/shards";
import { CommentArchiveBackfillRequest } from "../../protocol/comment-backfill";
import { BackfillRequest } from "../../protocol/backfill";
import { TargetSeriesResponse, TopResponse } from "../../protocol/analytics";
import { HealthReport, RoomMetricsReport } from "../../protocol/operations";
import { BenchRpcLikesBody } from "../../workers/routes/bench";
import { FloorFireBody, IndexEntriesBody } from "../../workers/routes/bench-floor";
import { DevTokenBody } from "../../workers/routes/dev";

/** The ids a route template is filled with: a seeded target, one of its comments, a user. */
export interface RouteIds {
  target: string;
  comment: string;
  user: string;
}

export interface BodyRoute {
  name: string;
  method: "POST" | "PUT" | "PATCH";
  path: (ids: RouteIds) => string;
  schema: z.ZodType;
  /** A body the schema accepts, used as the seed that mutations break. */
  valid: (ids: RouteIds) => Record<string, unknown>;
  /** False for routes anyone may call (no bearer token involved). */
  auth: boolean;
  /** True when the path names the target, so a bad target id in it must be refused. */
  targeted: boolean;
}

const t = (ids: RouteIds) => encodeURIComponent(ids.target);

/** Every route that takes a JSON body, with the schema it is documented with. */
export const BODY_ROUTES: BodyRoute[] = [
  { name: "live ticket", method: "POST", path: () => "/v1/live/tickets", schema: LiveTicketRequest, valid: (ids) => ({ target: ids.target }), auth: true, targeted: false },
  { name: "like", method: "POST", path: () => "/v1/likes", schema: LikeRequest, valid: (ids) => ({ target: ids.target, action: "like" }), auth: true, targeted: false },
  { name: "toggle", method: "POST", path: () => "/v1/likes/toggle", schema: ToggleRequest, valid: (ids) => ({ target: ids.target }), auth: true, targeted: false },
  { name: "react", method: "POST", path: () => "/v1/reactions", schema: ReactionRequest, valid: (ids) => ({ target: ids.target, emoji: "love", action: "add" }), auth: true, targeted: false },
  { name: "comment", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/comments`, schema: CreateCommentBody, valid: () => ({ text: "fuzz" }), auth: true, targeted: true },
  { name: "edit comment", method: "PATCH", path: (ids) => `/v1/targets/${t(ids)}/comments/${ids.comment}`, schema: EditCommentBody, valid: () => ({ text: "fuzz edit" }), auth: true, targeted: true },
  { name: "highlight", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/comments/${ids.comment}/highlight`, schema: HighlightBody, valid: () => ({ highlighted: true }), auth: true, targeted: true },
  { name: "pin", method: "PUT", path: (ids) => `/v1/targets/${t(ids)}/pin`, schema: PinBody, valid: (ids) => ({ commentId: ids.comment }), auth: true, targeted: true },
  { name: "report", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/comments/${ids.comment}/report`, schema: ReportBody, valid: () => ({ reason: "spam" }), auth: true, targeted: true },
  { name: "register", method: "PUT", path: (ids) => `/v1/targets/${t(ids)}`, schema: RegisterTargetBody, valid: () => ({ title: "Retitled" }), auth: true, targeted: true },
  { name: "add moderator", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/moderators`, schema: ModeratorBody, valid: () => ({ userId: "fuzz-mod" }), auth: true, targeted: true },
  { name: "ban", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/bans`, schema: BanBody, valid: () => ({ userId: "fuzz-banned" }), auth: true, targeted: true },
  { name: "terms", method: "PUT", path: (ids) => `/v1/targets/${t(ids)}/terms`, schema: TermsBody, valid: () => ({ blocked: ["fuzz*"], suspect: [] }), auth: true, targeted: true },
  { name: "restrict", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/restrictions`, schema: RestrictBody, valid: () => ({ userId: "fuzz-restricted" }), auth: true, targeted: true },
  { name: "approve held", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/comments/${ids.comment}/approve`, schema: DecideHeldBody, valid: () => ({ reason: "fine" }), auth: true, targeted: true },
  { name: "settings", method: "PATCH", path: (ids) => `/v1/targets/${t(ids)}/settings`, schema: SettingsPatch, valid: () => ({ slowModeSeconds: 5 }), auth: true, targeted: true },
  { name: "replace members", method: "PUT", path: (ids) => `/v1/targets/${t(ids)}/members`, schema: MembersBody, valid: () => ({ userIds: ["fuzz-member"] }), auth: true, targeted: true },
  { name: "add member", method: "POST", path: (ids) => `/v1/targets/${t(ids)}/members`, schema: MemberBody, valid: () => ({ userId: "fuzz-member" }), auth: true, targeted: true },
  { name: "set shards", method: "PUT", path: (ids) => `/v1/admin/targets/${t(ids)}/shards`, schema: SetShardsRequest, valid: () => ({ n: 2 }), auth: true, targeted: true },
  { name: "backfill user indexes", method: "POST", path: () => "/v1/admin/backfill/user-indexes", schema: BackfillRequest, valid: () => ({ limit: 1 }), auth: true, targeted: false },
  { name: "backfill comment archive", method: "POST", path: () => "/v1/admin/backfill/comment-archive", schema: CommentArchiveBackfillRequest, valid: () => ({ limit: 1 }), auth: true, targeted: false },
  { name: "batch counts", method: "POST", path: () => "/v1/counts/batch", schema: BatchCountRequest, valid: (ids) => ({ targets: [ids.target] }), auth: false, targeted: false },
  { name: "dev token", method: "POST", path: () => "/v1/dev/token", schema: DevTokenBody, valid: () => ({ userId: "fuzz-dev" }), auth: false, targeted: false },
  { name: "bench likes", method: "POST", path: () => "/v1/dev/bench/rpc-likes", schema: BenchRpcLikesBody, valid: (ids) => ({ target: ids.target, total: 1, batch: 1 }), auth: false, targeted: false },
  { name: "bench floor fire", method: "POST", path: () => "/v1/dev/bench/floor/fire", schema: FloorFireBody, valid: () => ({ name: "fuzz", seq: 1 }), auth: false, targeted: false },
  { name: "bench index entries", method: "POST", path: () => "/v1/dev/bench/index-entries", schema: IndexEntriesBody, valid: (ids) => ({ target: ids.target, userIds: ["fuzz-user"] }), auth: false, targeted: false },
];

/** Writes without a body: they are fuzzed through their path and their Authorization header. */
export const BODYLESS_WRITES: { name: string; method: "DELETE" | "POST"; path: (ids: RouteIds) => string; targeted: boolean }[] = [
  { name: "delete comment", method: "DELETE", path: (ids) => `/v1/targets/${t(ids)}/comments/${ids.comment}`, targeted: true },
  { name: "unpin", method: "DELETE", path: (ids) => `/v1/targets/${t(ids)}/pin`, targeted: true },
  { name: "lift ban", method: "DELETE", path: (ids) => `/v1/targets/${t(ids)}/bans/${encodeURIComponent(ids.user)}`, targeted: true },
  { name: "remove moderator", method: "DELETE", path: (ids) => `/v1/targets/${t(ids)}/moderators/${encodeURIComponent(ids.user)}`, targeted: true },
  { name: "remove member", method: "DELETE", path: (ids) => `/v1/targets/${t(ids)}/members/${encodeURIComponent(ids.user)}`, targeted: true },
  { name: "forget me", method: "DELETE", path: () => "/v1/users/me", targeted: false },
  { name: "reconcile", method: "POST", path: () => "/v1/admin/reconcile", targeted: false },
];

export interface ReadRoute {
  name: string;
  path: (ids: RouteIds) => string;
  /** The documented 200 body; null where the route has no JSON answer to check. */
  answer: z.ZodType | null;
  /** The query keys the route documents, so fuzzed queries hit them often. */
  keys: string[];
  targeted: boolean;
}

export const READ_ROUTES: ReadRoute[] = [
  { name: "count", path: (ids) => `/v1/targets/${t(ids)}/count`, answer: CountResponse, keys: [], targeted: true },
  { name: "stats", path: (ids) => `/v1/targets/${t(ids)}/stats`, answer: StatsResponse, keys: [], targeted: true },
  { name: "like status", path: (ids) => `/v1/users/${encodeURIComponent(ids.user)}/likes/${t(ids)}`, answer: LikeStatusResponse, keys: [], targeted: true },
  { name: "user likes", path: (ids) => `/v1/users/${encodeURIComponent(ids.user)}/likes`, answer: UserLikesResponse, keys: ["limit", "cursor"], targeted: false },
  { name: "comments", path: (ids) => `/v1/targets/${t(ids)}/comments`, answer: CommentsPage, keys: ["limit", "before", "replyTo"], targeted: true },
  { name: "top comments", path: (ids) => `/v1/targets/${t(ids)}/comments/top`, answer: TopCommentsResponse, keys: ["limit"], targeted: true },
  { name: "one comment", path: (ids) => `/v1/targets/${t(ids)}/comments/${ids.comment}`, answer: Comment, keys: [], targeted: true },
  { name: "reaction users", path: (ids) => `/v1/targets/${t(ids)}/reactions/love/users`, answer: ReactionUsersPage, keys: ["limit", "cursor"], targeted: true },
  { name: "target info", path: (ids) => `/v1/targets/${t(ids)}`, answer: TargetInfo, keys: [], targeted: true },
  { name: "bans", path: (ids) => `/v1/targets/${t(ids)}/bans`, answer: BansPageResponse, keys: ["limit", "cursor"], targeted: true },
  { name: "members", path: (ids) => `/v1/targets/${t(ids)}/members`, answer: MembersResponse, keys: [], targeted: true },
  { name: "reports", path: (ids) => `/v1/targets/${t(ids)}/reports`, answer: ReportsResponse, keys: ["limit", "cursor"], targeted: true },
  { name: "report groups", path: (ids) => `/v1/targets/${t(ids)}/reports/by-comment`, answer: ReportGroupsResponse, keys: ["limit", "cursor"], targeted: true },
  { name: "terms", path: (ids) => `/v1/targets/${t(ids)}/terms`, answer: TermsBody, keys: [], targeted: true },
  { name: "held", path: (ids) => `/v1/targets/${t(ids)}/held`, answer: HeldPageResponse, keys: ["limit", "cursor"], targeted: true },
  { name: "restrictions", path: (ids) => `/v1/targets/${t(ids)}/restrictions`, answer: RestrictionsResponse, keys: ["limit", "cursor"], targeted: true },
  { name: "mod log", path: (ids) => `/v1/targets/${t(ids)}/modlog`, answer: ModLogResponse, keys: ["limit", "cursor"], targeted: true },
  { name: "series", path: (ids) => `/v1/analytics/targets/${t(ids)}`, answer: TargetSeriesResponse, keys: ["window"], targeted: true },
  { name: "top targets", path: () => "/v1/analytics/top", answer: TopResponse, keys: ["metric", "window", "limit"], targeted: false },
  { name: "shards", path: (ids) => `/v1/admin/targets/${t(ids)}/shards`, answer: ShardConfigResponse, keys: [], targeted: true },
  { name: "room metrics", path: (ids) => `/v1/admin/targets/${t(ids)}/metrics`, answer: RoomMetricsReport, keys: [], targeted: true },
  { name: "health report", path: () => "/v1/admin/health", answer: HealthReport, keys: [], targeted: false },
  { name: "live without upgrade", path: (ids) => `/v1/targets/${t(ids)}/live`, answer: null, keys: ["ticket", "token", "since", "v"], targeted: true },
  { name: "deletion receipt", path: () => `/v1/users/me/deletions/${crypto.randomUUID()}`, answer: null, keys: [], targeted: false },
];
