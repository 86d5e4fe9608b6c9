import { z } from "zod";
import { CommentId } from "../comments";
import { Actor, Ban, BanBody, MAX_MEMBERS, ModLogEntry, Report, ReportGroup, ReportId, ResolveReportsBody, Restriction, SettingsPatch, TargetInfo, TermsBody } from "../moderation";
import { TargetId, UserId } from "../target";

/**
 * RPC inputs and answers of TargetRoom's moderation methods; the HTTP bodies and answers of
 * the moderation routes are public wire, in protocol/moderation.ts. The Worker builds `actor` from the verified token (workers/auth.ts actorOf);
 * the room decides what that actor may do.
 */
const OnTarget = { target: TargetId, actor: Actor };

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

export const ReplaceMembersInput = z.strictObject({ ...OnTarget, userIds: z.array(UserId).max(MAX_MEMBERS) });
export type ReplaceMembersInput = z.infer<typeof ReplaceMembersInput>;

export const ReportInput = z.strictObject({ ...OnTarget, commentId: CommentId, reason: z.string().trim().min(1).max(300) });
export type ReportInput = z.infer<typeof ReportInput>;

export const ListReportsInput = z.strictObject({
  ...OnTarget,
  before: ReportId.optional(),
  limit: z.number().int().min(1).max(100),
});
export type ListReportsInput = z.infer<typeof ListReportsInput>;

export const RegisterResult = z.object({ created: z.boolean(), info: TargetInfo });
export type RegisterResult = z.infer<typeof RegisterResult>;

/** Bans sort newest first by (createdAt, userId); the last ban on a page is the cursor. */
export const BanCursor = z.strictObject({ createdAt: z.number().int().min(0), userId: UserId });
export type BanCursor = z.infer<typeof BanCursor>;

export const ListBansInput = z.strictObject({ ...OnTarget, before: BanCursor.optional(), limit: z.number().int().min(1).max(100) });
export type ListBansInput = z.infer<typeof ListBansInput>;

export const BansPage = z.object({ bans: z.array(Ban), nextBefore: BanCursor.nullable() });
export type BansPage = z.infer<typeof BansPage>;

export const RestrictInput = z.strictObject({ ...OnTarget, userId: UserId, reason: z.string().max(300).optional() });
export type RestrictInput = z.infer<typeof RestrictInput>;
/** Restrictions sort like bans, newest first by (createdAt, userId). */
export const ListRestrictionsInput = z.strictObject({ ...OnTarget, before: BanCursor.optional(), limit: z.number().int().min(1).max(100) });
export type ListRestrictionsInput = z.infer<typeof ListRestrictionsInput>;
export const RestrictionsPage = z.object({ restrictions: z.array(Restriction), nextBefore: BanCursor.nullable() });
export type RestrictionsPage = z.infer<typeof RestrictionsPage>;

export const ReportResult = z.object({ created: z.boolean(), report: Report });
export type ReportResult = z.infer<typeof ReportResult>;

export const ReportsPage = z.object({ reports: z.array(Report), nextBefore: ReportId.nullable() });
export type ReportsPage = z.infer<typeof ReportsPage>;

export const PutTermsInput = z.strictObject({ ...OnTarget, terms: TermsBody });
export type PutTermsInput = z.infer<typeof PutTermsInput>;

/** Mod log ids grow with each entry, so the id of the last entry on a page is the cursor. */
export const ModLogInput = z.strictObject({ ...OnTarget, before: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(100) });
export type ModLogInput = z.infer<typeof ModLogInput>;

export const ModLogPage = z.object({ entries: z.array(ModLogEntry), nextBefore: z.number().int().nullable() });
export type ModLogPage = z.infer<typeof ModLogPage>;

/** Groups sort newest first by (lastAt, commentId); the last group on a page is the cursor. */
export const ReportGroupCursor = z.strictObject({ lastAt: z.number().int().min(0), commentId: CommentId });
export type ReportGroupCursor = z.infer<typeof ReportGroupCursor>;

export const ListReportGroupsInput = z.strictObject({ ...OnTarget, before: ReportGroupCursor.optional(), limit: z.number().int().min(1).max(100) });
export type ListReportGroupsInput = z.infer<typeof ListReportGroupsInput>;

export const ReportGroupsPage = z.object({ groups: z.array(ReportGroup), nextBefore: ReportGroupCursor.nullable() });
export type ReportGroupsPage = z.infer<typeof ReportGroupsPage>;

export const ResolveReportsInput = z.strictObject({ ...OnTarget, commentId: CommentId, resolution: ResolveReportsBody });
export type ResolveReportsInput = z.infer<typeof ResolveReportsInput>;
