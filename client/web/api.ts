import { z } from "zod";
import { TargetInfo } from "../../protocol/moderation";
import { TargetSeriesResponse } from "../../protocol/analytics";
import { createRestClient, RestError } from "../rest";
import type { SessionStore } from "./session";

/**
 * REST calls of the page. Comments and moderation are the <engage-comments> element's own;
 * registration and analytics are called here with the same habits: every answer is parsed
 * with the protocol's zod schema, errors arrive as RestError with the API's code.
 */
export function createPageApi(baseUrl: string, session: SessionStore) {
  const rest = createRestClient({ baseUrl, token: () => session.token(), missingTokenMessage: "sign in first" });
  const call = rest.request;

  const t = (target: string) => `/v1/targets/${encodeURIComponent(target)}`;

  return {
    rest,
    /** Owner, moderators and settings; null while the target was never registered (or the route is absent). */
    async targetInfo(target: string): Promise<TargetInfo | null> {
      try {
        return await call(TargetInfo, t(target));
      } catch (error) {
        if (error instanceof RestError && error.status === 404) return null;
        throw error;
      }
    },
    registerTarget: (target: string, title: string) => call(TargetInfo, t(target), { method: "PUT", body: { title }, auth: true }),
    likeSeries: (target: string) => call(TargetSeriesResponse, `/v1/analytics/targets/${encodeURIComponent(target)}?window=1h`),
  };
}

export type PageApi = ReturnType<typeof createPageApi>;

/** A refusal in words a person can act on (slow mode and rate limits say how long to wait). */
export function describeError(error: unknown): string {
  if (error instanceof RestError) {
    const wait = error.code === "rate_limited" || error.code === "slow_mode" ? waitHint(error.details) : "";
    return `${error.message}${wait}`;
  }
  if (error instanceof Error) {
    const retry = "retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number" ? ` (try again in ${error.retryAfterSeconds} s)` : "";
    return `${error.message}${retry}`;
  }
  return String(error);
}

function waitHint(details: unknown): string {
  const parsed = z.object({ retryAfterSeconds: z.number() }).safeParse(details);
  return parsed.success ? ` (try again in ${parsed.data.retryAfterSeconds} s)` : "";
}
