import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { AppEnv } from "../../platform/env";
import { UserId } from "../../protocol/target";
import { MAX_OPS_PER_RPC } from "../../protocol/internal/room-rpc";

/**
 * The floor `npm run bench` holds the room to (issue 20): the least a Durable Object can do.
 * - Fan-out: it only accepts hibernatable sockets and, on `fire`, sends every one of them the
 *   room's own count frame in one loop; no auth, storage, coalescing, slow-reader bookkeeping,
 *   alarms, D1 or queues.
 * - Writes: it only inserts the room's like rows (the room's `likes` table and statement) in
 *   the batches it is given, one transaction each; no change log, outbox or idempotency.
 * It lives in the service's own Worker so both sides run in one runtime with one history.
 * Nothing reaches it outside development: its only routes sit under /v1/dev/ (dev-guard.ts).
 */
export class BenchFloor extends DurableObject<AppEnv> {
  private ready = false;

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].send(JSON.stringify({ type: "hello", seq: 0 }));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** One count frame to every socket; answers how many it went to. */
  async fire(seq: number): Promise<number> {
    const frame = JSON.stringify({ type: "count", count: z.number().int().nonnegative().parse(seq), seq });
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) ws.send(frame);
    return sockets.length;
  }

  /** The room's like rows for `userIds`, in one transaction, as its bulk write stores them. */
  async insertLikes(userIds: readonly string[]): Promise<number> {
    const users = z.array(UserId).min(1).max(MAX_OPS_PER_RPC).parse(userIds);
    const sql = this.table();
    this.ctx.storage.transactionSync(() =>
      sql.exec(
        `INSERT INTO likes (user_id, liked_at) SELECT value, ? FROM json_each(?) WHERE true
         ON CONFLICT (user_id) DO UPDATE SET liked_at = excluded.liked_at`,
        Date.now(),
        JSON.stringify(users),
      ),
    );
    return users.length;
  }

  async likes(): Promise<number> {
    return this.table().exec<{ n: number }>("SELECT COUNT(*) AS n FROM likes").one().n;
  }

  private table(): SqlStorage {
    const sql = this.ctx.storage.sql;
    if (!this.ready) sql.exec("CREATE TABLE IF NOT EXISTS likes (user_id TEXT PRIMARY KEY, liked_at INTEGER NOT NULL) WITHOUT ROWID");
    this.ready = true;
    return sql;
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
  }
}

declare module "../../platform/env" {
  interface DurableObjectClasses {
    BENCH_FLOOR: BenchFloor;
  }
}
