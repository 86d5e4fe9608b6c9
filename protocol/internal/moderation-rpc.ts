import { z } from "zod";
import { CommentId } from "../comments";
import { Actor, Ban, BanBody, ModLogEntry, Report, ReportGroup, ResolveReportsBody, SettingsPatch, TargetInfo, TermsBody } from "../moderation";
import { TargetId, UserId } from "../target";

/**
 * RPC inputs of TargetRoom's moderation methods and the HTTP bodies that only moderation
 * routes use. The Worker builds `actor` from the verified token (workers/auth.ts actorOf);
 * the room decides what that actor may do.
 */
const OnTarget = { target: TargetId, actor: Actor };

/** The most users a members list holds; larger audiences use the `member:<target>` token role. */
export const MAX_MEMBERS = 1_000;

export const RegisterTargetInput = z.strictObject({ ...OnTarget, title: z.string().trim().min(1).max(200) });
export type RegisterTargetInput = z.infer<typeof RegisterTargetInput>;

export const ActorOnTargetInput = z.strictObject(OnTarget);
export type ActorOnTargetInput = z.infer<typeof ActorOnTargetInput>;

/** Names the user a moderation action is about (a moderator, a member, a banned user). */
export const UserOnTargetInput = z.strictObject({ ...OnTarget, userId: UserId });
export type UserOnTargetInput = z.infer<typeof UserOnTargetInput>;

export const BanInput = z.strictObject({ ...OnTarget, ban: BanBody });
export type BanInput = z.infer<typeof BanInput>;

export const PatchSettingsInput = z.strictObject({ ...OnTarget, patch: SettingsPatch });
export type PatchSettingsInput = z.infer<typeof PatchSettingsInput>;

export const MembersBody = z.strictObject({ userIds: z.array(UserId).max(MAX_MEMBERS) });
export const ReplaceMembersInput = z.strictObject({ ...OnTarget, userIds: z.array(UserId).max(MAX_MEMBERS) });
export type ReplaceMembersInput = z.infer<typeof ReplaceMembersInput>;

export const ReportInput = z.strictObject({ ...OnTarget, commentId: CommentId, reason: z.string().trim().min(1).max(300) });
export type ReportInput = z.infer<typeof ReportInput>;

/** Report ids sort by time, so the id of the last report on a page is the cursor. */
export const ReportId = z.string().regex(/^[0-9a-z]{9}[0-9a-f]{12}$/, "not a report id");

export const ListReportsInput = z.strictObject({
  ...OnTarget,
  before: ReportId.optional(),
  limit: z.number().int().min(1).max(100),
});
export type ListReportsInput = z.infer<typeof ListReportsInput>;

export const ReportsQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const RegisterResult = z.object({ created: z.boolean(), info: TargetInfo });
export type RegisterResult = z.infer<typeof RegisterResult>;

export const ModeratorsResponse = z.object({ moderators: z.array(UserId) });
export const BansResponse = z.object({ bans: z.array(Ban) });
/** What `GET .../bans` answers: BansResponse (which the embed's mirror reads) plus the next page's cursor. */
export const BansPageResponse = BansResponse.extend({ nextCursor: z.string().nullable() });

/** Bans sort newest first by (createdAt, userId); the last ban on a page is the cursor. */
export const BanCursor = z.strictObject({ createdAt: z.number().int().min(0), userId: UserId });
export type BanCursor = z.infer<typeof BanCursor>;

export const ListBansInput = z.strictObject({ ...OnTarget, before: BanCursor.optional(), limit: z.number().int().min(1).max(100) });
export type ListBansInput = z.infer<typeof ListBansInput>;

export const BansPage = z.object({ bans: z.array(Ban), nextBefore: BanCursor.nullable() });
export type BansPage = z.infer<typeof BansPage>;

export const BansQuery = z.strictObject({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});
export const LiftBanResponse = z.object({ userId: UserId, lifted: z.boolean() });
export const MembersResponse = z.object({ members: z.array(UserId) });
export const MemberChangeResponse = z.object({ userId: UserId, member: z.boolean(), changed: z.boolean() });
export type MemberChange = z.infer<typeof MemberChangeResponse>;

export const ReportResult = z.object({ created: z.boolean(), report: Report });
export type ReportResult = z.infer<typeof ReportResult>;

export const ReportsPage = z.object({ reports: z.array(Report), nextBefore: ReportId.nullable() });
export type ReportsPage = z.infer<typeof ReportsPage>;

export const ReportsResponse = z.object({ reports: z.array(Report), nextCursor: z.string().nullable() });

export const PutTermsInput = z.strictObject({ ...OnTarget, terms: TermsBody });
export type PutTermsInput = z.infer<typeof PutTermsInput>;

/** Mod log ids grow with each entry, so the id of the last entry on a page is the cursor. */
export const ModLogInput = z.strictObject({ ...OnTarget, before: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(100) });
export type ModLogInput = z.infer<typeof ModLogInput>;

export const ModLogQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const ModLogPage = z.object({ entries: z.array(ModLogEntry), nextBefore: z.number().int().nullable() });
export type ModLogPage = z.infer<typeof ModLogPage>;

export const ModLogResponse = z.object({ entries: z.array(ModLogEntry), nextCursor: z.string().nullable() });

/** Groups sort newest first by (lastAt, commentId); the last group on a page is the cursor. */
export const ReportGroupCursor = z.strictObject({ lastAt: z.number().int().min(0), commentId: CommentId });
export type ReportGroupCursor = z.infer<typeof ReportGroupCursor>;

export const ListReportGroupsInput = z.strictObject({ ...OnTarget, before: ReportGroupCursor.optional(), limit: z.number().int().min(1).max(100) });
export type ListReportGroupsInput = z.infer<typeof ListReportGroupsInput>;

export const ReportGroupsPage = z.object({ groups: z.array(ReportGroup), nextBefore: ReportGroupCursor.nullable() });
export type ReportGroupsPage = z.infer<typeof ReportGroupsPage>;

export const ReportGroupsResponse = z.object({ groups: z.array(ReportGroup), nextCursor: z.string().nullable() });

export const ResolveReportsInput = z.strictObject({ ...OnTarget, commentId: CommentId, resolution: ResolveReportsBody });
export type ResolveReportsInput = z.infer<typeof ResolveReportsInput>;
