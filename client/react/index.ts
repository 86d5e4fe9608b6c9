"use client";
/**
 * React bindings for the SDK (docs/embed.md#react-hooks):
 *
 *   <EngageProvider baseUrl="https://engage.example.com" token={getToken}>
 *     const { count, liked, toggle } = useLikes("post:abc");
 *
 * Marked for client rendering: the hooks open a live socket once mounted, never while
 * rendering, so server rendering shows the idle state (counts null) and opens nothing.
 */
export { EngageProvider, useComments, useLikes, useViewers } from "./hooks";
export type { Comments, CommentsOptions, EngageProviderProps, Likes, Viewers } from "./hooks";
export type { EngageClientOptions, RoomStatus } from "./room";
