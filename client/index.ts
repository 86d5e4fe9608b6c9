/**
 * Browser-safe SDK: imports only protocol/ and partysocket, never a cloudflare:* module. Published
 * as a package of its own (client/package.json, scripts/build-sdk.mjs, docs/embed.md).
 *
 *   const live = connect("post:abc", { baseUrl, token: () => getToken(), onCount: (n) => render(n) });
 *   await live.like();
 */
export { connect, liveUrl, LiveRequestError } from "./live";
export type { CommentResult, ConnectOptions, LiveConnection, LiveState, LiveStatus, ReactionWriteResult, TicketRetry, TokenSource, WriteResult } from "./live";
export { TicketRefusedError } from "./tickets";
export { createRestClient, parseRetryAfter, RestError } from "./rest";
export type { RestClient, RestClientOptions } from "./rest";
export { PROTOCOL_VERSION } from "../protocol/live";
export type { EventFrame, HelloFrame, LiveEvent, ServerFrame } from "../protocol/live";
export type { Comment } from "../protocol/comments";
