/**
 * Browser-safe SDK: imports only protocol/ and partysocket, never a cloudflare:* module. Published
 * as a package of its own (client/package.json, scripts/build-sdk.mjs, docs/embed.md).
 *
 *   const live = connect("post:abc", { baseUrl, token: () => getToken(), onCount: (n) => render(n) });
 *   await live.like();
 */
import type { output } from "zod/v4/core";
import type { Comment as CommentSchema, EventFrame } from "../protocol/mini/live";

export { connect, liveUrl, LiveRequestError } from "./live";
export type { CommentResult, ConnectOptions, LiveConnection, LiveState, LiveStatus, ReactionWriteResult, TicketRetry, TokenSource, WriteResult } from "./live";
export { TicketRefusedError } from "./tickets";
export { createRestClient, parseRetryAfter, RestError } from "./rest";
export type { RestClient, RestClientOptions } from "./rest";
export { PROTOCOL_VERSION } from "../protocol/wire-constants";
// Types of the zod/mini mirrors the SDK parses with (protocol/mini/), equal to the server's.
export type { EventFrame, HelloFrame, ServerFrame } from "../protocol/mini/live";
export type LiveEvent = EventFrame["event"];
export type Comment = output<typeof CommentSchema>;
