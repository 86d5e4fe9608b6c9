import type { LikeResult } from "../../protocol/likes";
import type { LikeOp, OpOutcome, RoomError } from "../../protocol/internal/room-rpc";

interface Applied {
  outcomes: OpOutcome[];
  changes: LikeResult[];
}

/**
 * Runs the likes rate limit over a batch: ops over their user's budget answer
 * `rate_limited` (or `quota_exceeded`) in place, the rest go to the ledger in their original order.
 */
export function applyWithinRate(
  ops: readonly LikeOp[],
  check: (op: LikeOp, index: number) => RoomError | null,
  apply: (allowed: LikeOp[]) => Applied,
): Applied {
  const refusals = ops.map((op, index) => check(op, index));
  const allowed = ops.filter((_, i) => refusals[i] === null);
  if (allowed.length === ops.length) return apply(allowed);
  const applied = allowed.length > 0 ? apply(allowed) : { outcomes: [], changes: [] };
  let next = 0;
  const outcomes = refusals.map((refusal): OpOutcome => {
    if (refusal === null) {
      const outcome = applied.outcomes[next++];
      if (!outcome) throw new Error("ledger answered fewer outcomes than ops");
      return outcome;
    }
    return refusedOutcome(refusal);
  });
  return { outcomes, changes: applied.changes };
}

/** A like refused by a limit, as the outcome its caller sees. */
export function refusedOutcome(refusal: RoomError): OpOutcome {
  const retryAfterSeconds = refusal.retryAfterSeconds ?? 1;
  return refusal.code === "quota_exceeded"
    ? { ok: false, error: { code: "quota_exceeded", message: refusal.message, retryAfterSeconds } }
    : { ok: false, error: { code: "rate_limited", message: refusal.message, retryAfterSeconds } };
}
