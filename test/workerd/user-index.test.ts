import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../protocol/events";
import { uniqueTarget, uniqueUser } from "./helpers";

function userState(userId: string) {
  return env.USER_STATE.get(env.USER_STATE.idFromName(userId));
}

type Change = { type: "like" | "unlike"; target: string; seq: number; at?: number; epoch?: number };

function likeEvent(userId: string, change: Change): EngagementEvent {
  return {
    eventId: `${change.target}/${change.epoch ?? 0}/${change.seq}`,
    type: change.type,
    target: change.target,
    userId,
    at: change.at ?? 1_700_000_000_000 + change.seq,
    seq: change.seq,
    ...(change.epoch === undefined ? {} : { epoch: change.epoch }),
  };
}

async function deliver(userId: string, ...changes: Change[]) {
  return userState(userId).ingest({ userId, events: changes.map((change) => likeEvent(userId, change)) });
}

async function likedTargets(userId: string): Promise<{ targets: string[]; total: number }> {
  const page = await userState(userId).likesPage({ limit: 100, after: null });
  return { targets: page.items.map((item) => item.target), total: page.total };
}

describe("a user's own index of likes", () => {
  it("keeps a like once however often it is delivered", async () => {
    const userId = uniqueUser();
    const target = uniqueTarget();
    await deliver(userId, { type: "like", target, seq: 4, at: 1_000 }, { type: "like", target, seq: 4, at: 1_000 });
    await deliver(userId, { type: "like", target, seq: 4, at: 1_000 });
    const page = await userState(userId).likesPage({ limit: 10, after: null });
    expect(page).toEqual({ items: [{ target, likedAt: 1_000 }], more: false, total: 1 });
  });

  it("lets an unlike's tombstone win over an older like that arrives after it", async () => {
    const userId = uniqueUser();
    const target = uniqueTarget();
    await deliver(userId, { type: "unlike", target, seq: 8 });
    await deliver(userId, { type: "like", target, seq: 7 });
    expect(await likedTargets(userId)).toEqual({ targets: [], total: 0 });
    // Both in one batch, the older one last: the same answer.
    const other = uniqueTarget();
    await deliver(userId, { type: "unlike", target: other, seq: 2 }, { type: "like", target: other, seq: 1 });
    expect(await likedTargets(userId)).toEqual({ targets: [], total: 0 });
    // A like newer than the tombstone is a real change of mind.
    await deliver(userId, { type: "like", target, seq: 9 });
    expect(await likedTargets(userId)).toEqual({ targets: [target], total: 1 });
  });

  it("applies out-of-order deliveries by version, not by arrival", async () => {
    const userId = uniqueUser();
    const target = uniqueTarget();
    await deliver(userId, { type: "like", target, seq: 30, at: 3_000 });
    await deliver(userId, { type: "unlike", target, seq: 20 }, { type: "like", target, seq: 10, at: 1_000 });
    const page = await userState(userId).likesPage({ limit: 10, after: null });
    expect(page.items).toEqual([{ target, likedAt: 3_000 }]);
  });

  it("orders a shard's epoch before the room's seq: epoch 2 seq 1 beats epoch 0 seq 900", async () => {
    const userId = uniqueUser();
    const [a, b] = [uniqueTarget(), uniqueTarget()];
    await deliver(userId, { type: "like", target: a, seq: 1, epoch: 2 });
    await deliver(userId, { type: "unlike", target: a, seq: 900 });
    await deliver(userId, { type: "unlike", target: b, seq: 900, epoch: 0 }, { type: "like", target: b, seq: 1, epoch: 2 });
    expect((await likedTargets(userId)).targets.sort()).toEqual([a, b].sort());
    // And a later epoch's unlike beats an earlier epoch's like with a higher seq.
    await deliver(userId, { type: "like", target: a, seq: 5_000, epoch: 1 }, { type: "unlike", target: a, seq: 2, epoch: 3 });
    expect(await likedTargets(userId)).toEqual({ targets: [b], total: 1 });
  });

  it("pages newest first with an exact total and a stable cursor", async () => {
    const userId = uniqueUser();
    const targets = Array.from({ length: 7 }, () => uniqueTarget());
    // Two share a time: the target breaks the tie, so no page repeats or skips one.
    await deliver(userId, ...targets.map((target, i) => ({ type: "like" as const, target, seq: i + 1, at: 10_000 + Math.min(i, 5) * 100 })));
    await deliver(userId, { type: "like", target: uniqueTarget(), seq: 1 }, { type: "unlike", target: targets[0]!, seq: 50 });
    const seen: { target: string; likedAt: number }[] = [];
    let after: [number, string] | null = null;
    for (;;) {
      const page = await userState(userId).likesPage({ limit: 3, after });
      expect(page.total).toBe(7);
      seen.push(...page.items);
      const last = page.items.at(-1);
      if (!page.more || !last) break;
      after = [last.likedAt, last.target];
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((item) => item.target)).size).toBe(7);
    expect(seen.map((item) => item.target)).not.toContain(targets[0]);
    const order = [...seen].sort((x, y) => y.likedAt - x.likedAt || (x.target < y.target ? 1 : -1));
    expect(seen).toEqual(order);
  });
});

describe("a user's index and their deletion", () => {
  it("lists every target the user touched, tombstones and moderation references included", async () => {
    const userId = uniqueUser();
    const [liked, unliked, commented, reacted, named] = Array.from({ length: 5 }, () => uniqueTarget());
    const stub = userState(userId);
    const now = Date.now();
    await stub.ingest({
      userId,
      events: [
        likeEvent(userId, { type: "like", target: liked!, seq: 1, at: now }),
        likeEvent(userId, { type: "unlike", target: unliked!, seq: 2, at: now }),
        { eventId: crypto.randomUUID(), type: "comment_create", target: commented!, userId, at: now, seq: 3, commentId: "c1", replyTo: null },
        { eventId: crypto.randomUUID(), type: "reaction_add", target: reacted!, userId, at: now, seq: 4, emoji: "love", subject: null },
        // Someone else's event in the batch names another user: not this index's business.
        likeEvent(uniqueUser(), { type: "like", target: uniqueTarget(), seq: 1, at: now }),
      ],
    });
    expect(await stub.noteRoomRef({ userId, target: named!, at: now })).toEqual({ forgotten: false });
    const page = await stub.listTargets({ after: null, limit: 1_000 });
    expect(page.targets).toEqual([liked, unliked, commented, reacted, named].sort());
    expect(page.nextAfter).toBeNull();
    // Paged in twos, the same targets.
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const next = await stub.listTargets({ after, limit: 2 });
      paged.push(...next.targets);
      after = next.nextAfter;
    } while (after !== null);
    expect(paged).toEqual(page.targets);
    expect((await stub.roomsWrittenSince(now)).map((write) => write.target).sort()).toEqual(page.targets);
    expect(await stub.roomsWrittenSince(now + 1)).toEqual([]);
  });

  it("does not store an event that arrives after the user's deletion, and reports it forgotten", async () => {
    const userId = uniqueUser();
    const stub = userState(userId);
    const target = uniqueTarget();
    const inFlight = likeEvent(userId, { type: "like", target, seq: 1, at: Date.now() });
    const ref = { userId, target: uniqueTarget(), at: Date.now() };
    await stub.ingest({ userId, events: [likeEvent(userId, { type: "like", target: uniqueTarget(), seq: 1, at: Date.now() })] });
    expect((await stub.forget()).forgotten).toBe(true);
    const after = await stub.ingest({ userId, events: [inFlight] });
    expect(after.forgotten).toEqual([inFlight.eventId]);
    expect(await stub.noteRoomRef(ref)).toEqual({ forgotten: true });
    expect(await likedTargets(userId)).toEqual({ targets: [], total: 0 });
    expect((await stub.listTargets({ after: null, limit: 100 })).targets).toEqual([]);
    // A write the user makes after their deletion is new activity, kept as such.
    const fresh = likeEvent(userId, { type: "like", target, seq: 2, at: Date.now() + 1_000 });
    expect((await stub.ingest({ userId, events: [fresh] })).forgotten).toEqual([]);
    expect(await likedTargets(userId)).toEqual({ targets: [target], total: 1 });
  });

  it("refuses to forget when a change reached the index after the deletion's last look", async () => {
    const userId = uniqueUser();
    const stub = userState(userId);
    await deliver(userId, { type: "like", target: uniqueTarget(), seq: 1 });
    const look = await stub.listTargets({ after: null, limit: 100 });
    const late = uniqueTarget();
    await deliver(userId, { type: "like", target: late, seq: 1 });
    // A duplicate is no change: it does not move the revision.
    await deliver(userId, { type: "like", target: late, seq: 1 });
    const refused = await stub.forget({ ifRevision: look.revision });
    expect(refused.forgotten).toBe(false);
    expect((await likedTargets(userId)).total).toBe(2);
    const again = await stub.listTargets({ after: null, limit: 100 });
    expect(again.targets).toContain(late);
    expect((await stub.forget({ ifRevision: again.revision })).forgotten).toBe(true);
    expect((await likedTargets(userId)).total).toBe(0);
  });
});

describe("when an index entry was applied", () => {
  it("stamps each stored change with the index's own time, beside the room's time of the change", async () => {
    const userId = uniqueUser();
    const target = uniqueTarget();
    const before = Date.now();
    await deliver(userId, { type: "like", target, seq: 3, at: 1_000 });
    const after = Date.now();
    const entry = await userState(userId).likeEntry(target);
    expect(entry).toMatchObject({ liked: true, changedAt: 1_000 });
    expect(entry?.appliedAt).toBeGreaterThanOrEqual(before);
    expect(entry?.appliedAt).toBeLessThanOrEqual(after);
    expect(await userState(userId).likeEntry(uniqueTarget())).toBeNull();
  });

  it("adds the column to an index made before it, leaving old entries unstamped and stamping new ones", async () => {
    const userId = uniqueUser();
    const [old, fresh] = [uniqueTarget(), uniqueTarget()];
    await runInDurableObject(userState(userId), async (_object, state) => {
      state.storage.sql.exec(`CREATE TABLE liked_targets (target TEXT PRIMARY KEY, liked INTEGER NOT NULL, liked_at INTEGER,
        epoch INTEGER NOT NULL, seq INTEGER NOT NULL, changed_at INTEGER NOT NULL) WITHOUT ROWID`);
      state.storage.sql.exec("INSERT INTO liked_targets VALUES (?, 1, 500, 0, 1, 500)", old);
    });
    expect(await userState(userId).likeEntry(old)).toEqual({ liked: true, changedAt: 500, appliedAt: null });
    await deliver(userId, { type: "like", target: fresh, seq: 1, at: 2_000 });
    expect((await userState(userId).likeEntry(fresh))?.appliedAt).toEqual(expect.any(Number));
    expect(await likedTargets(userId)).toEqual({ targets: [fresh, old], total: 2 });
  });
});
