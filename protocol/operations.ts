import { z } from "zod";

/**
 * The request id that ties a Worker's log line to the room's log lines for the same request.
 * A caller (or a proxy in front) may send its own; the Worker answers with the one it used.
 */
export const REQUEST_ID_HEADER = "x-request-id";
/** Short and plain, so a hostile value cannot bloat or break a log line. */
export const RequestId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/);

/** A room's counters since it woke up (memory only: they restart after an eviction). */
export const RoomMetricsReport = z.object({
  target: z.string(),
  /** When these counters started counting (the room's last wake-up). */
  since: z.string(),
  seq: z.number().int().nonnegative(),
  likes: z.object({
    /** Like and unlike changes (not no-op repeats) in the last window, per second. */
    perSecond: z.number().nonnegative(),
    windowSeconds: z.number().int().positive(),
    /** Like and unlike changes since `since`. */
    changes: z.number().int().nonnegative(),
  }),
  writes: z.object({
    /** Write transactions committed (one RPC with many likes is one transaction). */
    commits: z.number().int().nonnegative(),
    /** Operations asked for, including repeats that changed nothing. */
    ops: z.number().int().nonnegative(),
  }),
  storage: z.object({
    /** SQLite rows written by the room's parts since `since` (writes and their jobs), index entries included, as billed. */
    rowsWritten: z.number().int().nonnegative(),
  }),
  outbox: z.object({
    /** Events waiting to be sent to the queue (read from storage, so exact). */
    backlog: z.number().int().nonnegative(),
    /** Age of the oldest waiting event; null when the outbox is empty. */
    oldestAgeMs: z.number().int().nonnegative().nullable(),
    sent: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
  }),
  sockets: z.object({
    open: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    closed: z.number().int().nonnegative(),
    refused: z.number().int().nonnegative(),
  }),
  frames: z.object({
    sent: z.number().int().nonnegative(),
    /** Frames a slow (counts-only) socket was not sent. */
    droppedSlow: z.number().int().nonnegative(),
    /** Sockets switched to counts-only because they read too slowly. */
    switchedToCountsOnly: z.number().int().nonnegative(),
    /** Sockets closed because they fell too far behind even on counts. */
    closedTooFarBehind: z.number().int().nonnegative(),
  }),
});
export type RoomMetricsReport = z.infer<typeof RoomMetricsReport>;

export const HealthStatus = z.enum(["ok", "warn", "fail"]);
export type HealthStatus = z.infer<typeof HealthStatus>;

export const HealthCheck = z.object({
  status: HealthStatus,
  /** What was measured, in the units its thresholds use. */
  observed: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  /** The limits that turn this check to warn or fail, in words. */
  thresholds: z.object({ warn: z.string(), fail: z.string() }),
  note: z.string().optional(),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

export const HealthReport = z.object({
  /** The worst status of the checks. */
  status: HealthStatus,
  at: z.string(),
  checks: z.object({
    d1: HealthCheck,
    consumer: HealthCheck,
    outbox: HealthCheck,
    reconciliation: HealthCheck,
    requests: HealthCheck,
  }),
});
export type HealthReport = z.infer<typeof HealthReport>;
