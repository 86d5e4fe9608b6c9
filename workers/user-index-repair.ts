import type { LikeTruthPage } from "../protocol/internal/like-truth";
import type { RepairLikesResult } from "../protocol/internal/user-index";
import type { AppEnv } from "../platform/env";
import { logEvent } from "../platform/log";
import { roomFor } from "../platform/rooms";
import { shardStub } from "../platform/like-router";
import { userIndexFor } from "./user-objects";

/** Users asked per holder page; each is one call to that user's object. */
const USERS_PER_PAGE = 100;
/** User objects asked at once: a Worker keeps only a few connections open per request. */
const USER_CALLS_AT_ONCE = 6;

/**
 * Where a target's repair goes on: holder 0 is the room (epoch 0), then every shard of every
 * later epoch in (epoch, k) order, each paged by user id.
 */
export interface RepairPosition {
  holder: number;
  afterUserId: string | null;
}

export interface TargetRepair {
  target: string;
  /** The room's published like count, when the room was read in this pass. */
  truth: number | null;
  usersChecked: number;
  /** Checked users whose index said "liked" before the repair. */
  indexed: number;
  /** Likers whose index lacked the like (or an older, different one). */
  missing: number;
  /** Users whose index said "liked" where the holder says they unliked. */
  stale: number;
  /** Entries stored from the holders' truth (missing + stale, when every write answered). */
  repaired: number;
  /** Likes from before the liker's deletion: not stored; the room is asked to forget them... */
  forgotten: number;
  /** ...and did. */
  bounced: number;
  /** User objects (or rooms, for a bounce) that did not answer; a later run retries. */
  failed: number;
  /** Set when `maxUsers` ran out first: call again from here. */
  next: RepairPosition | null;
}

interface Holder {
  epoch: number;
  k: number;
}

/**
 * Makes the user-index entries of one target's users agree with that target's like holders
 * (the room, and its like shards when sharded): every liker, and every user a holder saw
 * unlike lately (durable-objects/recent-unlikes.ts). Each holder's page is true at its
 * (epoch, seq), and a user's object stores it only over an older entry (UserState.repairLikes),
 * so a run racing live writes, a rerun, or two runs at once never undo a newer change.
 * Used by reconciliation (workers/reconcile.ts) and the backfill (workers/backfill/).
 */
export async function repairTargetIndexes(
  env: AppEnv,
  target: string,
  { from = { holder: 0, afterUserId: null }, maxUsers }: { from?: RepairPosition; maxUsers: number },
): Promise<TargetRepair> {
  const result: TargetRepair = { target, truth: null, usersChecked: 0, indexed: 0, missing: 0, stale: 0, repaired: 0, forgotten: 0, bounced: 0, failed: 0, next: null };
  // The layout comes with the room's page; a pass resumed past the room asks for it alone.
  let layout: number[] | null = from.holder > 0 ? (await roomFor(env, target).shardConfig(target)).layout : null;
  let position = from;
  while (layout === null || position.holder < holdersOf(layout).length) {
    const limit = Math.min(USERS_PER_PAGE, maxUsers - result.usersChecked);
    if (limit <= 0) return { ...result, next: position };
    const holder = layout === null ? ROOM_HOLDER : holdersOf(layout)[position.holder]!;
    const page = await readPage(env, target, holder, layout, position.afterUserId, limit);
    if (holder.epoch === 0) {
      result.truth = page.likes;
      layout = page.layout ?? [0];
    }
    await repairPage(env, target, page, result);
    position = page.nextAfter !== null ? { holder: position.holder, afterUserId: page.nextAfter } : { holder: position.holder + 1, afterUserId: null };
  }
  return result;
}

const ROOM_HOLDER: Holder = { epoch: 0, k: 0 };

/** Epoch 0 (the room), then each later epoch's shards. */
function holdersOf(layout: readonly number[]): Holder[] {
  const holders: Holder[] = [ROOM_HOLDER];
  for (let epoch = 1; epoch < layout.length; epoch++) for (let k = 0; k < layout[epoch]!; k++) holders.push({ epoch, k });
  return holders;
}

async function readPage(
  env: AppEnv,
  target: string,
  holder: Holder,
  layout: readonly number[] | null,
  afterUserId: string | null,
  limit: number,
): Promise<LikeTruthPage> {
  if (holder.epoch === 0 || layout === null) return roomFor(env, target).likeTruthPage({ target, afterUserId, limit });
  const address = { target, epoch: holder.epoch, k: holder.k, layout: layout.slice(0, holder.epoch + 1) };
  return shardStub(env, target, holder.epoch, holder.k).likeTruthPage({ address, afterUserId, limit });
}

async function repairPage(env: AppEnv, target: string, page: LikeTruthPage, result: TargetRepair): Promise<void> {
  for (let i = 0; i < page.entries.length; i += USER_CALLS_AT_ONCE) {
    await Promise.all(
      page.entries.slice(i, i + USER_CALLS_AT_ONCE).map(async (entry) => {
        result.usersChecked++;
        let outcome: RepairLikesResult["outcomes"][number] | undefined;
        try {
          const answer = await userIndexFor(env, entry.userId).repairLikes({
            userId: entry.userId,
            entries: [{ target, liked: entry.liked, likedAt: entry.likedAt, epoch: page.epoch, seq: page.seq }],
          });
          outcome = answer.outcomes[0];
        } catch (error) {
          logEvent("user_index_repair_failed", { target, error: String(error) });
        }
        if (outcome === undefined) {
          result.failed++;
          return;
        }
        if (outcome.wasLiked) result.indexed++;
        switch (outcome.outcome) {
          case "agrees":
          case "newer":
            return;
          case "repaired":
            result.repaired++;
            if (entry.liked) result.missing++;
            else result.stale++;
            return;
          case "forgotten":
            result.forgotten++;
            await bounce(env, target, entry.userId, entry.likedAt ?? 0, result);
            return;
          default: {
            const unknown: never = outcome.outcome;
            throw new Error(`unhandled repair outcome ${String(unknown)}`);
          }
        }
      }),
    );
  }
}

/**
 * A like the room still holds from before its liker's deletion (a write the deletion's sweep
 * missed): the room forgets what the user did up to it, as the events consumer does for an
 * event the user's object refused (workers/forgotten-bounce.ts).
 */
async function bounce(env: AppEnv, target: string, userId: string, before: number, result: TargetRepair): Promise<void> {
  try {
    await roomFor(env, target).forgetUser({ target, userId, before });
    result.bounced++;
    logEvent("user_index_repair_forgot_deleted_user", { target });
  } catch (error) {
    result.failed++;
    logEvent("user_index_repair_failed", { target, error: String(error) });
  }
}

export interface TouchRepair {
  usersChecked: number;
  /** `touched_targets` entries written (0 on a rerun). */
  stored: number;
  /** Touches from before the user's deletion: not written. */
  forgotten: number;
  failed: number;
  /** Set when `maxUsers` ran out first: where to go on (null: from the first user). */
  next: { afterUserId: string | null } | null;
}

/**
 * Files the target under every user the room names other than by a like (comments, reactions,
 * moderation), as the events and the rooms' refs file them. For the backfill: entries only grow
 * (newest time kept), so a rerun writes nothing.
 */
export async function repairTargetTouches(
  env: AppEnv,
  target: string,
  { afterUserId = null, maxUsers }: { afterUserId?: string | null; maxUsers: number },
): Promise<TouchRepair> {
  const result: TouchRepair = { usersChecked: 0, stored: 0, forgotten: 0, failed: 0, next: null };
  let after = afterUserId;
  for (;;) {
    const limit = Math.min(USERS_PER_PAGE, maxUsers - result.usersChecked);
    if (limit <= 0) return { ...result, next: { afterUserId: after } };
    const page = await roomFor(env, target).touchedUsersPage({ target, afterUserId: after, limit });
    for (let i = 0; i < page.users.length; i += USER_CALLS_AT_ONCE) {
      await Promise.all(
        page.users.slice(i, i + USER_CALLS_AT_ONCE).map(async ({ userId, touches }) => {
          result.usersChecked++;
          if (touches.length === 0) return;
          try {
            const answer = await userIndexFor(env, userId).noteTouches({ userId, touches: touches.map((touch) => ({ target, ...touch })) });
            result.stored += answer.stored;
            result.forgotten += answer.forgotten;
          } catch (error) {
            result.failed++;
            logEvent("user_index_repair_failed", { target, error: String(error) });
          }
        }),
      );
    }
    if (page.nextAfter === null) return result;
    after = page.nextAfter;
  }
}
