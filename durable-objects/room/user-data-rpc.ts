import { FORGOTTEN_USER } from "../moderation/forget-moderation";
import { ForgetUserInput, type ForgetUserResult } from "../../protocol/deletion";
import { LikeTruthPageInput, TouchedUsersPageInput, type LikeTruthPage, type TouchedUsersPage } from "../../protocol/internal/like-truth";
import { forgetUserBeforeInRoom } from "../forget-before";
import { forgetUserInRoom } from "../forget-user";
import { readLikeTruth } from "../recent-unlikes";
import { forgetInShards } from "../shards/room-sharding";
import { readTouchedUsers } from "../touched-users";
import { nothingToForget } from "../unwritten-room";
import type { RoomCore } from "./room-core";

/**
 * What a room holds about users, for their deletion (workers/deletion/) and for the repair
 * and backfill of users' indexes (workers/user-index-repair.ts).
 */
export class UserDataRpc {
  constructor(
    private readonly core: RoomCore,
    /** Erased comments old enough to live in R2 get their pages rewritten by this job. */
    private readonly rewriteArchive: () => Promise<void>,
  ) {}

  /** Part of a user's deletion: erases what this room (and its shards) hold about them. */
  async forgetUser(input: ForgetUserInput): Promise<ForgetUserResult> {
    const { target, userId, before } = this.core.input(ForgetUserInput, input);
    const parts = this.core.read;
    // Nothing was ever written here, so nothing names the user: answer without storing the room.
    if (parts === null) return nothingToForget(target);
    const sql = this.core.ctx.storage.sql;
    const archived = await parts.comments.archive.byAuthor(target, userId);
    // A ban in force outlives the id, under a keyed hash computed before the transaction.
    const banKey = before === undefined ? await parts.moderation.erasedBans.keyOf(userId) : null;
    const keepBan = banKey === null ? undefined : (until: number | null) => parts.moderation.erasedBans.keep(banKey, until, Date.now());
    const moderated = parts.moderation.isModerator({ userId, name: userId, roles: [] });
    const erased = await parts.writes.commit((log) => {
      const result =
        before === undefined
          ? forgetUserInRoom(sql, parts.ledger, parts.reactionsLedger, log, target, userId, keepBan)
          : forgetUserBeforeInRoom(parts.ledger, parts.reactionsLedger, log, target, userId, before);
      // The restriction outlives the id like the ban, under the same key.
      if (before === undefined) parts.moderation.restrictions.forget(userId, banKey, FORGOTTEN_USER);
      const commentsErased = parts.comments.forget(log, target, userId, archived, Date.now(), before);
      if (before === undefined && parts.movedLikes.scrub(userId)) log.touch();
      // An erased moderator or owner moderates no more: their open sockets (if any) follow.
      if (before === undefined && moderated) log.roleChanged(userId);
      return { ...result, commentsErased, seq: parts.seq.last };
    });
    parts.relays.redact({ commentIds: [], authorId: userId });
    // The overlay hides the erased comments now; the job rewrites their pages without them.
    if (archived.length > 0) await this.rewriteArchive();
    if (!parts.shards.sharded) return erased;
    const inShards = await forgetInShards(this.core.env, target, () => parts.shards.config, userId, before);
    return {
      ...erased,
      likesRemoved: erased.likesRemoved + inShards.likesRemoved,
      outboxAnonymised: erased.outboxAnonymised + inShards.outboxAnonymised,
      idempotencyKeysRemoved: erased.idempotencyKeysRemoved + inShards.idempotencyKeysRemoved,
      count: parts.likeCount,
      seq: parts.seq.last,
    };
  }

  /**
   * The room's own likers and recent unlikers at its current seq, and the shard layout when
   * sharded: what reconciliation and the backfill copy into users' indexes.
   */
  async likeTruthPage(input: LikeTruthPageInput): Promise<LikeTruthPage> {
    const { afterUserId, limit } = this.core.input(LikeTruthPageInput, input);
    const parts = this.core.read;
    if (parts === null) return { epoch: 0, seq: 0, likes: 0, entries: [], nextAfter: null, layout: null };
    const page = readLikeTruth(this.core.ctx.storage.sql, afterUserId, limit);
    return { epoch: 0, seq: parts.seq.last, likes: parts.likeCount, ...page, layout: parts.shards.sharded ? parts.shards.config.layout : null };
  }

  /** Users this room names other than by a like, for the backfill of users' indexes. */
  async touchedUsersPage(input: TouchedUsersPageInput): Promise<TouchedUsersPage> {
    const { afterUserId, limit } = this.core.input(TouchedUsersPageInput, input);
    if (!this.core.stored) return { users: [], nextAfter: null };
    return readTouchedUsers(this.core.ctx.storage.sql, afterUserId, limit);
  }
}
