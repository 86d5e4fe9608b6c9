import type { AppEnv } from "../../platform/env";
import { userIndexFor } from "../user-objects";
import { legacyCommentTargets } from "./legacy-comment-targets";

/** Targets asked of the user's object per call; each page is one RPC. */
const TARGETS_PER_PAGE = 1_000;

export interface TouchedTargets {
  targets: string[];
  /** The index's revision before the first page: a deletion forgets the user only if it still holds. */
  revision: number;
}

/**
 * Every target a user left data on, according to their own object (docs/user-index.md): their
 * likes (unliked ones too), comments, reactions and moderation actions, the rooms that name them
 * in moderation (owner, moderator, member, ban, report), the rooms their writes created and the
 * targets they registered; plus the rooms where the legacy D1 comment archive names them as an
 * author (legacy-comment-targets.ts). The index lags the rooms by the outbox and the queue, which is why a
 * deletion looks again after a settle delay before it finishes (see steps.ts).
 */
export async function touchedTargets(env: AppEnv, userId: string): Promise<TouchedTargets> {
  const index = userIndexFor(env, userId);
  const targets: string[] = [];
  let revision: number | null = null;
  let after: string | null = null;
  do {
    const page = await index.listTargets({ after, limit: TARGETS_PER_PAGE });
    revision ??= page.revision;
    targets.push(...page.targets);
    after = page.nextAfter;
  } while (after !== null);
  const listed = new Set(targets);
  for (const target of await legacyCommentTargets(env.DB, userId)) if (!listed.has(target)) targets.push(target);
  return { targets, revision: revision ?? 0 };
}
