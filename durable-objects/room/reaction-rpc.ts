import type { ReactionResult } from "../../protocol/reactions";
import { BindParentInput, ReactInput, ReactionCountsInput, ReactionUsersInput, type ReactionUsersSlice } from "../../protocol/internal/reaction-rpc";
import type { RoomResult } from "../../protocol/internal/room-rpc";
import { unwrittenReactionUsers } from "../unwritten-room";
import type { RoomCore } from "./room-core";

/** TargetRoom's reaction methods (durable-objects/reactions/ holds what they stand on). */
export class ReactionRpc {
  constructor(private readonly core: RoomCore) {}

  /** Adds or removes one reaction of a verified user (REST, socket frame, or a comment's own room). */
  async react(input: ReactInput): Promise<RoomResult<ReactionResult>> {
    const parsed = this.core.input(ReactInput, input);
    const { core } = this;
    // A comment room hands the reaction to its parent, which limits it: counted once.
    if (!(core.read?.reactions.forwards(parsed) ?? false)) {
      const replay = core.isReplay(parsed.actor.userId, parsed.idempotencyKey, "react");
      const refusal = (await core.admitWriter(parsed.actor.userId, replay)) ?? (replay ? null : await core.erasedBan(parsed.actor.userId));
      if (refusal !== null) return { ok: false, error: refusal };
      const shadowed = await this.dropRestricted(parsed);
      if (shadowed !== null) return { ok: true, value: shadowed };
    }
    return core.parts().reactions.react(parsed);
  }

  /**
   * A restricted user's reaction (docs/moderation.md "Restrictions") is dropped without a
   * refusal, which would tell them: answered as taken, with the count everyone sees, nothing
   * stored, counted or sent. Null for everyone else.
   */
  private async dropRestricted(input: ReactInput): Promise<ReactionResult | null> {
    const parts = this.core.read;
    if (parts === null || parts.moderation.isModerator(input.actor)) return null;
    await parts.moderation.prepareRestriction(input.actor.userId);
    if (!parts.moderation.restrictions.has(input.actor.userId)) return null;
    const counts = await parts.reactions.counts({ target: input.target, ...(input.commentId === undefined ? {} : { commentId: input.commentId }) });
    const count = counts.ok ? (counts.value[input.emoji] ?? 0) : 0;
    return { target: input.target, emoji: input.emoji, reacted: input.action === "add", count, changed: false, seq: parts.seq.last };
  }

  async users(input: ReactionUsersInput): Promise<RoomResult<ReactionUsersSlice>> {
    const parsed = this.core.input(ReactionUsersInput, input);
    return this.core.read?.reactions.users(parsed) ?? unwrittenReactionUsers(parsed.target, parsed.commentId, { items: [], next: null });
  }

  async counts(input: ReactionCountsInput): Promise<RoomResult<Record<string, number>>> {
    const parsed = this.core.input(ReactionCountsInput, input);
    return this.core.read?.reactions.counts(parsed) ?? { ok: true, value: {} };
  }

  /** Called by the room a comment was posted in (its comment-bindings job) on the comment's own room. */
  async bindParent(input: BindParentInput): Promise<RoomResult<{ parent: string }>> {
    const parsed = this.core.input(BindParentInput, input);
    return this.core.parts().reactions.bindParent(parsed);
  }

  /** A comment's own room reports the reactions counted next to the comment in its parent. */
  async ofTarget(target: string): Promise<Record<string, number>> {
    const counts = await this.core.read?.reactions.counts({ target });
    return counts?.ok ? counts.value : {};
  }
}
