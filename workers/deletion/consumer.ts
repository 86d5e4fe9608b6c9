import { DeletionStep } from "../../protocol/deletion";
import type { AppEnv } from "../../platform/env";
import { logEvent } from "../../platform/log";
import { retryDelaySeconds } from "../queues";
import { runDeletionStep } from "./steps";

/**
 * Deletions run as a chain of `user-deletions` messages rather than in `waitUntil`: a step
 * that fails (a room or D1 unavailable, the isolate evicted) is retried by the queue with
 * backoff, and the chain survives deploys and restarts. The next step is queued before this
 * one is acked, so a crash between the two at worst runs a step twice (steps are idempotent);
 * a chain that still dies is restarted by the cron (resume.ts).
 */
export async function consumeDeletionSteps(batch: MessageBatch<unknown>, env: AppEnv): Promise<void> {
  for (const message of batch.messages) {
    const parsed = DeletionStep.safeParse(message.body);
    if (!parsed.success) {
      // Nothing to resume from a body without a receipt id; real receipts are resumed by the cron.
      logEvent("deletion_step_invalid", { messageId: message.id });
      message.ack();
      continue;
    }
    const { receiptId } = parsed.data;
    try {
      const outcome = await runDeletionStep(env, receiptId);
      if (outcome.next) await env.DELETIONS.send({ receiptId }, { delaySeconds: outcome.delaySeconds });
      message.ack();
    } catch (error) {
      logEvent("deletion_step_retry", { receiptId, attempts: message.attempts, error: String(error) });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
