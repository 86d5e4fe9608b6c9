import { env, runInDurableObject } from "cloudflare:test";

/** One like entry of a user's own index as stored (durable-objects/users/index-schema.ts). */
export interface IndexEntry {
  target: string;
  liked: number;
  liked_at: number | null;
  epoch: number;
  seq: number;
  changed_at: number;
}

function userObject(userId: string) {
  return env.USER_STATE.get(env.USER_STATE.idFromName(userId));
}

export async function indexEntry(userId: string, target: string): Promise<IndexEntry | null> {
  return runInDurableObject(userObject(userId), async (_object, state) => {
    const rows = state.storage.sql
      .exec<{ target: string; liked: number; liked_at: number | null; epoch: number; seq: number; changed_at: number }>(
        "SELECT target, liked, liked_at, epoch, seq, changed_at FROM liked_targets WHERE target = ?",
        target,
      )
      .toArray();
    return rows[0] ?? null;
  });
}

/** A drift as a lost queue message leaves it: the entry is simply not there. */
export async function dropIndexEntry(userId: string, target: string): Promise<void> {
  await runInDurableObject(userObject(userId), async (_object, state) => {
    state.storage.sql.exec("DELETE FROM liked_targets WHERE target = ?", target);
  });
}

/** Puts an entry back as it was at some point (an older change, or a newer one). */
export async function writeIndexEntry(userId: string, target: string, entry: Omit<IndexEntry, "target">): Promise<void> {
  await runInDurableObject(userObject(userId), async (_object, state) => {
    state.storage.sql.exec(
      `INSERT INTO liked_targets (target, liked, liked_at, epoch, seq, changed_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (target) DO UPDATE SET liked = excluded.liked, liked_at = excluded.liked_at, epoch = excluded.epoch, seq = excluded.seq, changed_at = excluded.changed_at`,
      target,
      entry.liked,
      entry.liked_at,
      entry.epoch,
      entry.seq,
      entry.changed_at,
    );
  });
}

/** The kinds the user's index files `target` under in `touched_targets` (comment, reaction, ref, ...). */
export async function touchKinds(userId: string, target: string): Promise<string[]> {
  return runInDurableObject(userObject(userId), async (_object, state) =>
    hasTouches(state.storage.sql)
      ? state.storage.sql
          .exec<{ kind: string }>("SELECT kind FROM touched_targets WHERE target = ? ORDER BY kind", target)
          .toArray()
          .map((row) => row.kind)
      : [],
  );
}

/** A user's index as before issue 17: nothing of their comments, reactions or roles. */
export async function dropTouches(userId: string): Promise<void> {
  await runInDurableObject(userObject(userId), async (_object, state) => {
    if (hasTouches(state.storage.sql)) state.storage.sql.exec("DELETE FROM touched_targets");
  });
}

/** A user's object makes its index tables with the first thing it keeps. */
function hasTouches(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'touched_targets'").toArray().length > 0;
}
