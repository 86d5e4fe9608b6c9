import { z } from "zod";
import { TargetId } from "../target";

/**
 * Internal RPC contract of the health board (durable-objects/health/health-board.ts): where
 * `GET /v1/admin/health` reads the events consumer's lag and the rooms' outbox backlogs, so
 * neither costs a D1 write. Nothing here grows per write: one row per queue, and one row per
 * room only while that room cannot ship its events.
 */

/** The consumer writes its queue's board once per batch it acked. */
export const ConsumerBatchInput = z.strictObject({
  queue: z.string().min(1).max(64),
  lastBatchAt: z.number().int().nonnegative(),
  messages: z.number().int().nonnegative(),
  lagMs: z.number().int().nonnegative(),
  maxAttempts: z.number().int().min(1),
});
export type ConsumerBatchInput = z.infer<typeof ConsumerBatchInput>;

export const BacklogReportInput = z.strictObject({
  target: TargetId,
  /** 0: the backlog is gone, drop the room's row. */
  events: z.number().int().nonnegative(),
  oldestAt: z.number().int().nonnegative().nullable(),
  reportedAt: z.number().int().nonnegative(),
});
export type BacklogReportInput = z.infer<typeof BacklogReportInput>;

export interface BacklogSummary {
  rooms: number;
  events: number;
  oldestAt: number | null;
}

/**
 * Backlog reports are spread over this many boards by target, so no single object hears from
 * every room in trouble at once; the health route reads all of them (a handful of RPCs).
 */
export const BACKLOG_BOARDS = 8;

export function consumerBoardName(queue: string): string {
  return `consumer:${queue}`;
}

/** FNV-1a of the target: stable across deploys and isolates, no crypto needed. */
export function backlogBoardName(target: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < target.length; i++) {
    hash ^= target.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return backlogBoardNameAt(hash % BACKLOG_BOARDS);
}

export function backlogBoardNameAt(index: number): string {
  return `outbox:${index}`;
}
