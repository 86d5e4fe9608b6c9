import { RequestId } from "../protocol/operations";

/**
 * Keeps a caller's `x-request-id` when it is short and plain (a load balancer's or a client's
 * own trace id), otherwise makes one up: a hostile id must not reach the logs.
 */
export function acceptRequestId(incoming: string | undefined): string {
  const parsed = RequestId.safeParse(incoming);
  return parsed.success ? parsed.data : crypto.randomUUID();
}
