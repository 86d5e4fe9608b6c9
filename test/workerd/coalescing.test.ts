import { describe, expect, it } from "vitest";
import { LikeResult } from "../../protocol/likes";
import { MAX_OPS_PER_RPC, type LikeOp, type OpOutcome } from "../../protocol/internal/room-rpc";
import { LikeCoalescer } from "../../workers/like-coalescer";
import { like, roomStub, uniqueTarget, uniqueUser } from "./helpers";

describe("write coalescing through the likes route", () => {
  it("answers 200 concurrent likes each with its own result, exact, in fewer transactions than likes", async () => {
    const target = uniqueTarget();
    const users = Array.from({ length: 200 }, () => uniqueUser());
    const answers = await Promise.all(users.map((user) => like(target, user)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const results = answers.map((answer) => LikeResult.parse(answer.body));
    expect(results.every((result) => result.liked && result.changed)).toBe(true);
    // Each caller saw the count right after its own like: 1..200, each exactly once.
    expect(results.map((result) => result.count).sort((a, b) => a - b)).toEqual(users.map((_, i) => i + 1));
    expect(new Set(results.map((result) => result.seq)).size).toBe(200);
    const room = roomStub(target);
    expect((await room.snapshot(target)).likes).toBe(200);
    const metrics = await room.metrics(target);
    expect(metrics.writes.ops).toBe(200);
    expect(metrics.writes.commits).toBeLessThan(200);
  });

  it("dedupes one user's concurrent repeats that share a batch: one change, one like", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const answers = await Promise.all(Array.from({ length: 30 }, () => like(target, user)));
    const results = answers.map((answer) => LikeResult.parse(answer.body));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(results.every((result) => result.liked && result.count === 1)).toBe(true);
    expect((await roomStub(target).snapshot(target)).likes).toBe(1);
  });
});

describe("LikeCoalescer", () => {
  const op = (i: number): LikeOp => ({ userId: `u${i}`, action: "like" });
  const okFor = (ops: LikeOp[], offset: number): OpOutcome[] =>
    ops.map((_, i) => ({ ok: true, result: { target: "post:x", liked: true, count: offset + i + 1, changed: true, seq: offset + i + 1 } }));

  it("sends the first like at once, groups the rest, caps a batch at MAX_OPS_PER_RPC, and answers each its own outcome", async () => {
    const coalescer = new LikeCoalescer(5);
    const batches: number[] = [];
    let applied = 0;
    const send = async (_target: string, ops: LikeOp[]) => {
      batches.push(ops.length);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const outcomes = okFor(ops, applied);
      applied += ops.length;
      return outcomes;
    };
    const total = 1 + MAX_OPS_PER_RPC + 500;
    const outcomes = await Promise.all(Array.from({ length: total }, (_, i) => coalescer.submit("post:x", op(i), send)));
    expect(batches[0]).toBe(1);
    expect(Math.max(...batches)).toBeLessThanOrEqual(MAX_OPS_PER_RPC);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(total);
    const counts = outcomes.map((outcome) => (outcome.ok ? outcome.result.count : -1));
    expect(new Set(counts).size).toBe(total);
  });

  it("fails only the callers of a batch whose RPC failed", async () => {
    const coalescer = new LikeCoalescer(5);
    let calls = 0;
    const send = async (_target: string, ops: LikeOp[]) => {
      const call = ++calls;
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (call === 1) throw new Error("room unavailable");
      return okFor(ops, 0);
    };
    const first = coalescer.submit("post:y", op(0), send);
    const later = [coalescer.submit("post:y", op(1), send), coalescer.submit("post:y", op(2), send)];
    await expect(first).rejects.toThrow("room unavailable");
    await expect(Promise.all(later)).resolves.toHaveLength(2);
  });

  it("keeps targets apart", async () => {
    const coalescer = new LikeCoalescer(5);
    const seen = new Map<string, number>();
    const send = async (target: string, ops: LikeOp[]) => {
      seen.set(target, (seen.get(target) ?? 0) + ops.length);
      return okFor(ops, 0);
    };
    await Promise.all([0, 1, 2].flatMap((i) => [coalescer.submit("post:a", op(i), send), coalescer.submit("post:b", op(i), send)]));
    expect(Object.fromEntries(seen)).toEqual({ "post:a": 3, "post:b": 3 });
  });
});
