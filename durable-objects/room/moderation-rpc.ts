import type { z } from "zod";
import { ADMIN_ROLE, type Actor } from "../../protocol/moderation";
import * as ModerationRpc from "../../protocol/internal/moderation-rpc";
import type { RoomError, RoomResult } from "../../protocol/internal/room-rpc";
import { TargetId } from "../../protocol/target";
import type { ModerationDesk } from "../moderation/moderation-desk";
import type { ChangeLog } from "../write-path/change-log";
import { forModeratorsOnly, NOT_A_MODERATOR, unwrittenInfo } from "../unwritten-room";
import { refuse } from "../refusal";
import type { RoomCore } from "./room-core";

/**
 * TargetRoom's moderation methods: each parses its input, checks the target and hands it to
 * the room's ModerationDesk (durable-objects/moderation/). Writes pass the author's
 * moderation-writes rate first.
 */
export class ModerationRpcFacade {
  constructor(private readonly core: RoomCore) {}

  private get desk(): ModerationDesk {
    return this.core.parts().moderation;
  }

  registerTarget(input: ModerationRpc.RegisterTargetInput) {
    const { core } = this;
    return this.write(ModerationRpc.RegisterTargetInput, input, (parsed) => this.desk.register(parsed), async (parsed) =>
      // A target nobody owns yet counts against its registrant's daily quota (re-titling does not).
      core.read === null || core.read.moderation.roles.owner() === null ? core.limits.admitRegistration(parsed.actor.userId, parsed.target) : null,
    );
  }
  async targetInfo(target: string) {
    this.core.check(TargetId.parse(target));
    return this.core.read?.moderation.info() ?? unwrittenInfo(target);
  }
  addModerator(input: ModerationRpc.UserOnTargetInput) {
    return this.write(ModerationRpc.UserOnTargetInput, input, (parsed) => this.desk.addModerator(parsed));
  }
  removeModerator(input: ModerationRpc.UserOnTargetInput) {
    return this.write(ModerationRpc.UserOnTargetInput, input, (parsed) => this.desk.removeModerator(parsed));
  }
  banUser(input: ModerationRpc.BanInput) {
    return this.write(ModerationRpc.BanInput, input, (parsed) => this.desk.ban(parsed));
  }
  liftBan(input: ModerationRpc.UserOnTargetInput) {
    return this.write(ModerationRpc.UserOnTargetInput, input, (parsed) => this.desk.liftBan(parsed));
  }
  async listBans(input: ModerationRpc.ListBansInput) {
    const parsed = this.core.input(ModerationRpc.ListBansInput, input);
    return this.core.read?.moderation.listBans(parsed) ?? forModeratorsOnly(parsed.actor, { bans: [], nextBefore: null });
  }
  restrictUser(input: ModerationRpc.RestrictInput) {
    return this.write(ModerationRpc.RestrictInput, input, (parsed) => this.desk.restrict(parsed));
  }
  unrestrictUser(input: ModerationRpc.UserOnTargetInput) {
    return this.write(ModerationRpc.UserOnTargetInput, input, (parsed) => this.desk.unrestrict(parsed));
  }
  async listRestrictions(input: ModerationRpc.ListRestrictionsInput) {
    const parsed = this.core.input(ModerationRpc.ListRestrictionsInput, input);
    return this.core.read?.moderation.listRestrictions(parsed) ?? forModeratorsOnly(parsed.actor, { restrictions: [], nextBefore: null });
  }
  async getTerms(input: ModerationRpc.ActorOnTargetInput) {
    const parsed = this.core.input(ModerationRpc.ActorOnTargetInput, input);
    return this.core.read?.moderation.getTerms(parsed) ?? forModeratorsOnly(parsed.actor, { blocked: [], suspect: [] });
  }
  putTerms(input: ModerationRpc.PutTermsInput) {
    return this.write(ModerationRpc.PutTermsInput, input, (parsed) => this.desk.putTerms(parsed));
  }
  async listReportGroups(input: ModerationRpc.ListReportGroupsInput) {
    const parsed = this.core.input(ModerationRpc.ListReportGroupsInput, input);
    return this.core.read?.moderation.listReportGroups(parsed) ?? forModeratorsOnly(parsed.actor, { groups: [], nextBefore: null });
  }
  /**
   * `remove` deletes the comment through the room's own comment path (`removeComment`);
   * `dismiss` brings back one its reports hid (`restoreHidden`, inside the dismissal's transaction).
   */
  resolveReports(
    input: ModerationRpc.ResolveReportsInput,
    removeComment: (parsed: ModerationRpc.ResolveReportsInput) => Promise<RoomResult<unknown>>,
    restoreHidden: (parsed: ModerationRpc.ResolveReportsInput, log: ChangeLog, now: number) => RoomResult<unknown>,
  ) {
    return this.write(ModerationRpc.ResolveReportsInput, input, (parsed) =>
      this.desk.resolveReports(parsed, () => removeComment(parsed), (log, now) => restoreHidden(parsed, log, now)),
    );
  }
  async readModLog(input: ModerationRpc.ModLogInput) {
    const parsed = this.core.input(ModerationRpc.ModLogInput, input);
    return this.core.read?.moderation.readModLog(parsed) ?? forModeratorsOnly(parsed.actor, { entries: [], nextBefore: null });
  }
  patchSettings(input: ModerationRpc.PatchSettingsInput) {
    return this.write(ModerationRpc.PatchSettingsInput, input, (parsed) => this.desk.patchSettings(parsed));
  }
  async listMembers(input: ModerationRpc.ActorOnTargetInput) {
    const parsed = this.core.input(ModerationRpc.ActorOnTargetInput, input);
    return this.core.read?.moderation.listMembers(parsed) ?? forModeratorsOnly(parsed.actor, []);
  }
  replaceMembers(input: ModerationRpc.ReplaceMembersInput) {
    return this.write(ModerationRpc.ReplaceMembersInput, input, (parsed) => this.desk.replaceMembers(parsed));
  }
  addMember(input: ModerationRpc.UserOnTargetInput) {
    return this.write(ModerationRpc.UserOnTargetInput, input, (parsed) => this.desk.addMember(parsed));
  }
  removeMember(input: ModerationRpc.UserOnTargetInput) {
    return this.write(ModerationRpc.UserOnTargetInput, input, (parsed) => this.desk.removeMember(parsed));
  }
  reportComment(input: ModerationRpc.ReportInput) {
    const parsed = this.core.input(ModerationRpc.ReportInput, input);
    const parts = this.core.read;
    if (parts === null) return Promise.resolve(refuse(404, "not_found", "no such comment in this room"));
    return parts.moderation.report(parsed);
  }
  async listReports(input: ModerationRpc.ListReportsInput) {
    const parsed = this.core.input(ModerationRpc.ListReportsInput, input);
    return this.core.read?.moderation.listReports(parsed) ?? forModeratorsOnly(parsed.actor, { reports: [], nextBefore: null });
  }

  /**
   * A moderation write: counted against its author's moderation-writes rate first, then run.
   * `admit` adds a check of its own (registration's quota).
   */
  private async write<I extends { target: string; actor: Actor }, R>(
    schema: z.ZodType<I>,
    input: unknown,
    run: (parsed: I) => Promise<RoomResult<R>>,
    admit?: (parsed: I) => Promise<RoomError | null>,
  ): Promise<RoomResult<R>> {
    const parsed = this.core.input(schema, input);
    // Nobody owns or moderates a room that was never written: only an admin, or a
    // registration, may write there, and a refusal does not create it.
    if (!this.core.stored && admit === undefined && !parsed.actor.roles.includes(ADMIN_ROLE)) return NOT_A_MODERATOR;
    const refusal = (await this.core.limits.takeModerationWrite(parsed.actor.userId)) ?? (admit === undefined ? null : await admit(parsed));
    if (refusal !== null) return { ok: false, error: refusal };
    // `run` asks for the desk, which stores the room: its first write.
    return run(parsed);
  }
}
